/**
 * webhookMethods for a provider without an API to register its webhook URL (Captain.AI's
 * account manager sets it up, ARRIVE's dashboard takes one): nothing to create or delete.
 * Activation still runs checkExists, which makes it the place where an allowlist entry that is
 * not an address is shown to the user (requests to the URL are refused with 500 meanwhile,
 * see admission.ts).
 */
import { NodeOperationError, type IHookFunctions } from 'n8n-workflow';

import { type AllowlistSetting, describeInvalidAddresses } from './allowlist';

export function registeredByHand(allowlist: AllowlistSetting) {
	return {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const invalid = allowlist.read(this)?.invalid ?? [];
				if (invalid.length > 0)
					throw new NodeOperationError(
						this.getNode(),
						describeInvalidAddresses(allowlist.name, invalid),
					);
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};
}

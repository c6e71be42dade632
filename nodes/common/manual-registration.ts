/**
 * What both providers share about their webhook URLs: neither has an API to register them
 * (Captain.AI's account manager sets them up, ARRIVE's dashboard takes one), so there is
 * nothing to create or delete; and both have an address allowlist setting, whose entries that
 * are not addresses make the node unusable until fixed.
 */
import { NodeOperationError, type IHookFunctions, type IWebhookFunctions } from 'n8n-workflow';

import { describeInvalidAddresses, type ParsedAllowlist } from './allowlist';
import type { GuardSettings } from './receive';

/**
 * Both nodes' versions. Version 2 behaves exactly as 1: n8n evaluates an expression on every
 * request to a version-1 webhook node (parseRequestBody: the old Webhook node's binaryData
 * option), which costs an isolate on n8n 2.x; new nodes are version 2 and skip it.
 */
export const TRIGGER_VERSIONS = { version: [1, 2], defaultVersion: 2 };

/** An allowlist setting: its name in the editor, and how to read it from the node. */
export interface AllowlistSetting {
	name: string;
	/** `undefined` when the user turned the address check off. */
	read(context: IHookFunctions | IWebhookFunctions): ParsedAllowlist | undefined;
}

/** The setting as the pipeline's guard takes it (invalid entries included: they refuse all). */
export function allowlistGuard(
	setting: AllowlistSetting,
	parsed: ParsedAllowlist | undefined,
): GuardSettings['allowlist'] {
	return parsed && { setting: setting.name, ranges: parsed.ranges, invalid: parsed.invalid };
}

/**
 * webhookMethods for a provider whose URL is registered by hand. Activation still runs
 * checkExists, which makes it the place where a bad allowlist entry is shown to the user
 * (requests to the URL are refused with 500 meanwhile, see receive.ts).
 */
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

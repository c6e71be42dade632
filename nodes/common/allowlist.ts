/**
 * Source-address allowlists, the whole feature: the editor field, parsing the user's entries,
 * judging the client address that n8n resolved (Express `req.ip`, which honours
 * N8N_PROXY_HOPS; never a raw header), and the refusal. Strict: IPv4 and IPv6 with CIDR
 * prefixes, IPv4-mapped IPv6 judged as IPv4, leading zeros refused.
 */
import type { IHookFunctions, INodeProperties, IWebhookFunctions } from 'n8n-workflow';

import { refuse, type Refused } from './answers';
import type { IncomingRequest } from './request';
import { splitList } from './validation';

export interface AddressRange {
	/** The entry as the user wrote it, for messages. */
	readonly source: string;
	readonly family: 4 | 6;
	readonly bytes: Uint8Array;
	readonly prefixBits: number;
}

export interface ParsedAllowlist {
	readonly ranges: AddressRange[];
	/** Entries that are not an address or CIDR range: a configuration error to show the user. */
	readonly invalid: string[];
}

function parseIpv4(text: string): Uint8Array | undefined {
	const parts = text.split('.');
	if (parts.length !== 4) return undefined;
	const bytes = new Uint8Array(4);
	for (let i = 0; i < 4; i++) {
		const part = parts[i];
		// Leading zeros are refused: some stacks read them as octal, so "010" is ambiguous.
		if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
		const value = Number(part);
		if (value > 255) return undefined;
		bytes[i] = value;
	}
	return bytes;
}

function parseIpv6(text: string): Uint8Array | undefined {
	if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
	const halves = text.split('::');
	if (halves.length > 2) return undefined;
	// An embedded IPv4 (`::ffff:1.2.3.4`) may only end the whole address.
	const groupsOf = (half: string, mayEndWithIpv4: boolean): number[] | undefined => {
		if (half === '') return [];
		const groups: number[] = [];
		const pieces = half.split(':');
		for (let i = 0; i < pieces.length; i++) {
			const piece = pieces[i];
			if (mayEndWithIpv4 && i === pieces.length - 1 && piece.includes('.')) {
				const v4 = parseIpv4(piece);
				if (!v4) return undefined;
				groups.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
			} else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
				groups.push(parseInt(piece, 16));
			} else {
				return undefined;
			}
		}
		return groups;
	};
	const head = groupsOf(halves[0], halves.length === 1);
	const tail = halves.length === 2 ? groupsOf(halves[1], true) : [];
	if (!head || !tail) return undefined;
	const missing = 8 - head.length - tail.length;
	if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
	const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
	const bytes = new Uint8Array(16);
	groups.forEach((group, i) => {
		bytes[2 * i] = group >> 8;
		bytes[2 * i + 1] = group & 0xff;
	});
	return bytes;
}

function isV4Mapped(bytes: Uint8Array): boolean {
	for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
	return bytes[10] === 0xff && bytes[11] === 0xff;
}

interface ParsedAddress {
	family: 4 | 6;
	bytes: Uint8Array;
}

/**
 * Parses an address as a socket reports it. IPv4 clients of a dual-stack server show up as
 * `::ffff:a.b.c.d`; they are judged as the IPv4 address they are. Zone ids (`%eth0`) and
 * brackets are dropped.
 */
export function parseAddress(text: string): ParsedAddress | undefined {
	let candidate = text.trim();
	if (candidate.startsWith('[') && candidate.endsWith(']')) candidate = candidate.slice(1, -1);
	const zone = candidate.indexOf('%');
	if (zone !== -1) candidate = candidate.slice(0, zone);
	const v4 = parseIpv4(candidate);
	if (v4) return { family: 4, bytes: v4 };
	const v6 = parseIpv6(candidate);
	if (!v6) return undefined;
	if (isV4Mapped(v6)) return { family: 4, bytes: v6.slice(12) };
	return { family: 6, bytes: v6 };
}

function parseRange(entry: string): AddressRange | undefined {
	const [addressText, prefixText, ...rest] = entry.split('/');
	if (rest.length > 0) return undefined;
	const mappedForm = addressText.includes(':');
	const address = parseAddress(addressText);
	if (!address) return undefined;
	const fullBits = address.family === 4 ? 32 : 128;
	let prefixBits = fullBits;
	if (prefixText !== undefined) {
		if (!/^\d{1,3}$/.test(prefixText)) return undefined;
		prefixBits = Number(prefixText);
		// A prefix on ::ffff:a.b.c.d counts IPv6 bits; translate it to the IPv4 address it covers.
		if (address.family === 4 && mappedForm) {
			if (prefixBits < 96 || prefixBits > 128) return undefined;
			prefixBits -= 96;
		}
		if (prefixBits > fullBits) return undefined;
	}
	return { source: entry, family: address.family, bytes: address.bytes, prefixBits };
}

/** Accepts entries separated by commas, spaces or new lines; blank entries are ignored. */
export function parseAllowlist(entries: string | readonly string[]): ParsedAllowlist {
	const list = typeof entries === 'string' ? splitList(entries) : entries;
	const ranges: AddressRange[] = [];
	const invalid: string[] = [];
	for (const raw of list) {
		const entry = raw.trim();
		if (entry === '') continue;
		const range = parseRange(entry);
		if (range) ranges.push(range);
		else invalid.push(entry);
	}
	return { ranges, invalid };
}

function inRange(address: ParsedAddress, range: AddressRange): boolean {
	if (address.family !== range.family) return false;
	const wholeBytes = range.prefixBits >> 3;
	for (let i = 0; i < wholeBytes; i++) if (address.bytes[i] !== range.bytes[i]) return false;
	const restBits = range.prefixBits & 7;
	if (restBits === 0) return true;
	const mask = (0xff << (8 - restBits)) & 0xff;
	return (address.bytes[wholeBytes] & mask) === (range.bytes[wholeBytes] & mask);
}

/** An unknown or unparsable client address is never allowed. */
export function isAddressAllowed(
	clientAddress: string | undefined,
	ranges: readonly AddressRange[],
): boolean {
	if (!clientAddress) return false;
	const address = parseAddress(clientAddress);
	if (!address) return false;
	return ranges.some((range) => inRange(address, range));
}

/** Where a reverse proxy in front of n8n sits: loopback, private (RFC 1918), link-local, unique local (fc00::/7). */
const PROXY_NETWORKS = parseAllowlist(
	'127.0.0.0/8 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 169.254.0.0/16 ::1 fc00::/7 fe80::/10',
).ranges;

/**
 * Whether the address n8n resolved could be a reverse proxy of this n8n. A request from a
 * public address that carries X-Forwarded-For came straight to n8n: its header is a claim.
 */
export function isPrivateAddress(clientAddress: string | undefined): boolean {
	return isAddressAllowed(clientAddress, PROXY_NETWORKS);
}

/** The address as people write it: `::ffff:1.2.3.4` shown as `1.2.3.4`. */
export function displayAddress(clientAddress: string | undefined): string {
	if (!clientAddress) return 'unknown';
	const address = parseAddress(clientAddress);
	if (address?.family === 4) return Array.from(address.bytes).join('.');
	return clientAddress;
}

/** The message for allowlist entries that are not addresses, naming the setting they are in. */
export function describeInvalidAddresses(settingName: string, invalid: readonly string[]): string {
	return `${settingName}: ${invalid.map((entry) => `"${entry}"`).join(', ')} is not an IP address or CIDR range`;
}

/** A node's allowlist as the admission stage applies it. */
export interface AllowlistRule {
	/** The setting's name in the editor, for messages. */
	setting: string;
	ranges: readonly AddressRange[];
	/** Entries that are not addresses: the node refuses everything until they are fixed. */
	invalid: readonly string[];
}

/** A node's allowlist setting: its name in the editor, and how to read it from the node. */
export interface AllowlistSetting {
	name: string;
	/** `undefined` when the user turned the address check off. */
	read(context: IHookFunctions | IWebhookFunctions): ParsedAllowlist | undefined;
}

export function allowlistRule(setting: AllowlistSetting, parsed: ParsedAllowlist | undefined) {
	return parsed && { setting: setting.name, ranges: parsed.ranges, invalid: parsed.invalid };
}

const PROXY_HINT =
	"The request came through a proxy, but n8n does not trust proxies, so the proxy's own address was judged. If n8n can be reached only through that proxy, set N8N_PROXY_HOPS to the number of proxies in front of n8n.";

/** The refusal for a client the allowlist does not cover; `undefined` when it is allowed. */
export function judgeAddress(
	request: Pick<IncomingRequest, 'clientAddress' | 'proxyTrusted' | 'headers'>,
	rule: AllowlistRule,
): Refused | undefined {
	if (isAddressAllowed(request.clientAddress, rule.ranges)) return undefined;
	// Only for a caller that can be a reverse proxy (loopback or private network): to anyone
	// else, X-Forwarded-For is a claim, and the advice would be to believe it.
	const cameThroughUntrustedProxy =
		request.headers['x-forwarded-for'] !== undefined &&
		!request.proxyTrusted &&
		isPrivateAddress(request.clientAddress);
	return refuse.address(
		displayAddress(request.clientAddress),
		cameThroughUntrustedProxy ? PROXY_HINT : undefined,
	);
}

/** The editor field: addresses or CIDR ranges, separated by commas, spaces or new lines. */
export function addressListField(field: {
	displayName: string;
	name: string;
	placeholder: string;
	description: string;
}): INodeProperties {
	return {
		displayName: field.displayName,
		name: field.name,
		type: 'string',
		default: '',
		placeholder: field.placeholder,
		description: `${field.description} Behind a reverse proxy, n8n must be told to trust it (see the docs)`,
	};
}

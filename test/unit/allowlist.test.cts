import {
	displayAddress,
	isAddressAllowed,
	parseAddress,
	parseAllowlist,
} from '../../nodes/common/allowlist';

function allows(entries: string, address: string | undefined): boolean {
	const { ranges, invalid } = parseAllowlist(entries);
	expect(invalid).toEqual([]);
	return isAddressAllowed(address, ranges);
}

describe('parseAllowlist', () => {
	test('splits on commas, spaces and new lines, ignoring blanks', () => {
		const { ranges, invalid } = parseAllowlist(
			' 52.37.123.229,52.37.246.23\n\n2001:db8::/32 ;10.0.0.0/8 ',
		);
		expect(ranges.map((range) => range.source)).toEqual([
			'52.37.123.229',
			'52.37.246.23',
			'2001:db8::/32',
			'10.0.0.0/8',
		]);
		expect(invalid).toEqual([]);
	});

	test.each([
		'not-an-ip',
		'256.1.1.1',
		'1.2.3',
		'1.2.3.4.5',
		'01.2.3.4',
		'1.2.3.4/33',
		'1.2.3.4/',
		'1.2.3.4/-1',
		'2001:db8::/129',
		'2001:db8:::1',
		'2001:db8::1::2',
		'1:2:3:4:5:6:7:8:9',
		'12345::',
		'::ffff:1.2.3.4/95',
		'10.0.0.0/8/8',
		'*',
	])('reports %s as invalid instead of skipping it', (entry) => {
		expect(parseAllowlist(`1.2.3.4, ${entry}`)).toMatchObject({ invalid: [entry] });
	});

	test('accepts an array of entries', () => {
		expect(parseAllowlist(['1.2.3.4', ' ', 'x']).invalid).toEqual(['x']);
	});
});

describe('isAddressAllowed', () => {
	test('single IPv4 address', () => {
		expect(allows('52.37.123.229', '52.37.123.229')).toBe(true);
		expect(allows('52.37.123.229', '52.37.123.228')).toBe(false);
	});

	test('IPv4 CIDR, on and off byte boundaries', () => {
		expect(allows('10.0.0.0/8', '10.255.1.2')).toBe(true);
		expect(allows('10.0.0.0/8', '11.0.0.1')).toBe(false);
		expect(allows('192.168.4.0/22', '192.168.7.255')).toBe(true);
		expect(allows('192.168.4.0/22', '192.168.8.0')).toBe(false);
		expect(allows('0.0.0.0/0', '8.8.8.8')).toBe(true);
	});

	test('IPv4-mapped IPv6 client addresses are judged as IPv4', () => {
		expect(allows('52.37.123.229', '::ffff:52.37.123.229')).toBe(true);
		expect(allows('52.37.0.0/16', '::FFFF:52.37.75.38')).toBe(true);
		expect(allows('52.37.0.0/16', '::ffff:53.37.75.38')).toBe(false);
	});

	test('mapped-form entries, with IPv6-sized prefixes', () => {
		expect(allows('::ffff:52.37.123.229', '52.37.123.229')).toBe(true);
		expect(allows('::ffff:52.37.0.0/112', '52.37.9.9')).toBe(true);
		expect(allows('::ffff:52.37.0.0/112', '52.38.9.9')).toBe(false);
	});

	test('IPv6 addresses and ranges, compressed or not', () => {
		expect(allows('2001:db8::/32', '2001:0db8:0000:0000:0000:0000:0000:0001')).toBe(true);
		expect(allows('2001:db8::/32', '2001:db9::1')).toBe(false);
		expect(allows('2001:db8::1', '2001:DB8:0:0::1')).toBe(true);
		expect(allows('::1', '::1')).toBe(true);
		expect(allows('fe80::/10', 'fe80::1%eth0')).toBe(true);
		expect(allows('2001:db8::/127', '2001:db8::1')).toBe(true);
		expect(allows('2001:db8::/127', '2001:db8::2')).toBe(false);
	});

	test('families never match each other', () => {
		expect(allows('::/0', '1.2.3.4')).toBe(false);
		expect(allows('0.0.0.0/0', '2001:db8::1')).toBe(false);
	});

	test('an unknown or garbage client address is refused', () => {
		expect(allows('0.0.0.0/0', undefined)).toBe(false);
		expect(allows('0.0.0.0/0', '')).toBe(false);
		expect(allows('0.0.0.0/0', 'localhost')).toBe(false);
	});

	test('an empty allowlist allows nothing', () => {
		expect(isAddressAllowed('1.2.3.4', [])).toBe(false);
	});
});

test('parseAddress and displayAddress', () => {
	expect(parseAddress('[2001:db8::1]')).toMatchObject({ family: 6 });
	expect(parseAddress('1.2.3.4::')).toBeUndefined();
	expect(displayAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
	expect(displayAddress('2001:db8::1')).toBe('2001:db8::1');
	expect(displayAddress(undefined)).toBe('unknown');
});

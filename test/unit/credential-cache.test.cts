import { CredentialCache, type CredentialCacheTiming } from '../../nodes/common/credential-cache';

const TIMING: CredentialCacheTiming = { freshForMs: 5_000, recheckAfterMs: 1_000, maxEntries: 3 };

/** A cache on a clock the test moves, and a credential store that counts its reads. */
function setUp(timing = TIMING) {
	const clock = { now: 1_000_000 };
	const cache = new CredentialCache(() => clock.now, timing);
	const store = { secret: 'first-secret-0123456789' as unknown, reads: 0 };
	const read = async () => {
		store.reads++;
		return store.secret;
	};
	const check = (received: string, key = 'wf\nnode\ncred') => cache.check(key, received, read);
	return { clock, cache, store, check, read };
}

describe('CredentialCache', () => {
	test('the first request reads the credential; later ones within freshForMs do not', async () => {
		const { clock, store, check } = setUp();
		expect(await check('first-secret-0123456789')).toBe('valid');
		for (let i = 0; i < 20; i++) {
			clock.now += 200;
			expect(await check('first-secret-0123456789')).toBe('valid');
		}
		expect(clock.now - 1_000_000).toBe(4_000);
		expect(store.reads).toBe(1);
	});

	test('after freshForMs the next request reads again, however busy: a match does not extend the read', async () => {
		const { clock, store, check } = setUp();
		await check('first-secret-0123456789');
		clock.now += 4_999;
		await check('first-secret-0123456789');
		expect(store.reads).toBe(1);
		clock.now += 1;
		await check('first-secret-0123456789');
		expect(store.reads).toBe(2);
	});

	test('a rotated secret works at once: the first mismatch re-reads', async () => {
		const { clock, store, check } = setUp();
		await check('first-secret-0123456789');
		store.secret = 'second-secret-0123456789';
		clock.now += 1_000;
		expect(await check('second-secret-0123456789')).toBe('valid');
		expect(store.reads).toBe(2);
		// ...and the replaced one stops working as soon as the new one was read.
		expect(await check('first-secret-0123456789')).toBe('invalid');
		expect(store.reads).toBe(2);
	});

	test('the replaced secret keeps working until freshForMs after the last read, not longer', async () => {
		const { clock, store, check } = setUp();
		await check('first-secret-0123456789');
		store.secret = 'second-secret-0123456789';
		clock.now += 4_999;
		expect(await check('first-secret-0123456789')).toBe('valid');
		clock.now += 1;
		expect(await check('first-secret-0123456789')).toBe('invalid');
		expect(store.reads).toBe(2);
	});

	test('a flood of wrong secrets reads the credential at most once per recheckAfterMs', async () => {
		const { clock, store, check } = setUp();
		await check('first-secret-0123456789');
		clock.now += 1_000;
		for (let i = 0; i < 100; i++) {
			expect(await check(`wrong-${i}`)).toBe('invalid');
			clock.now += 20; // 100 requests over 2 s
		}
		// the read at 1 s, then one more a second later: 2 beside the first, not 100
		expect(store.reads).toBe(3);
		// the right secret is still accepted throughout, without a read
		expect(await check('first-secret-0123456789')).toBe('valid');
		expect(store.reads).toBe(3);
	});

	test('a wrong secret right after a read is refused without another read', async () => {
		const { clock, store, check } = setUp();
		await check('first-secret-0123456789');
		clock.now += 999;
		expect(await check('wrong')).toBe('invalid');
		expect(store.reads).toBe(1);
	});

	test('concurrent requests share one read', async () => {
		const { store, check } = setUp();
		const answers = await Promise.all(
			Array.from({ length: 10 }, () => check('first-secret-0123456789')),
		);
		expect(answers).toEqual(Array(10).fill('valid'));
		expect(store.reads).toBe(1);
	});

	test('keys are separate: another node or credential reads its own', async () => {
		const { store, check } = setUp();
		await check('first-secret-0123456789', 'a');
		await check('first-secret-0123456789', 'b');
		await check('first-secret-0123456789', 'a');
		expect(store.reads).toBe(2);
	});

	test('an empty or missing credential secret matches nothing, and an empty received one is refused unread', async () => {
		const { clock, store, check } = setUp();
		store.secret = '';
		expect(await check('anything-at-all-0123')).toBe('invalid');
		store.secret = undefined;
		clock.now += 1_000;
		expect(await check('anything-at-all-0123')).toBe('invalid');
		const reads = store.reads;
		expect(await check('')).toBe('invalid');
		expect(store.reads).toBe(reads);
	});

	test('a failed read is not remembered', async () => {
		const { cache } = setUp();
		let fail = true;
		const read = async () => {
			if (fail) throw new Error('database unavailable');
			return 'first-secret-0123456789';
		};
		await expect(cache.check('k', 'first-secret-0123456789', read)).rejects.toThrow(
			'database unavailable',
		);
		fail = false;
		expect(await cache.check('k', 'first-secret-0123456789', read)).toBe('valid');
	});

	test('a read that throws synchronously does not stay pending', async () => {
		const { cache } = setUp();
		const throwing = (): Promise<unknown> => {
			throw new Error('boom');
		};
		await expect(cache.check('k', 'x-secret', throwing)).rejects.toThrow('boom');
		expect(await cache.check('k', 'x-secret', async () => 'x-secret')).toBe('valid');
	});

	test('a clock that went back counts as stale', async () => {
		const { clock, store, check } = setUp();
		await check('first-secret-0123456789');
		clock.now -= 60_000;
		await check('first-secret-0123456789');
		expect(store.reads).toBe(2);
	});

	test('keeps at most maxEntries keys, forgetting the least recently read', async () => {
		const { store, check } = setUp();
		for (const key of ['a', 'b', 'c', 'd']) await check('first-secret-0123456789', key);
		expect(store.reads).toBe(4);
		await check('first-secret-0123456789', 'd');
		await check('first-secret-0123456789', 'b');
		expect(store.reads).toBe(4);
		await check('first-secret-0123456789', 'a'); // forgotten
		expect(store.reads).toBe(5);
	});

	test('keeps a digest, never the secret', async () => {
		const { cache, check } = setUp();
		await check('first-secret-0123456789');
		const seen = JSON.stringify(
			[...(cache as unknown as { entries: Map<string, { digest: Buffer }> }).entries.values()].map(
				(e) => e.digest.toString('latin1'),
			),
		);
		expect(seen).not.toContain('first-secret');
	});
});

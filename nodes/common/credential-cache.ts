/**
 * Checks a received shared secret against a credential without reading the credential on every
 * request. Reading one is costly in n8n: a database read, a decryption and (n8n 2.x, default
 * expression engine) a V8 isolate, per call (`CredentialsHelper.getDecrypted` →
 * `applyDefaultsAndOverwrites`).
 *
 * What is kept, per key (workflow, node, credential id): the SHA-256 digest of the secret —
 * never the secret — and when it was read. The rules:
 * - A read is trusted for `freshForMs`; the first request after that reads the credential again.
 *   A match does not extend it, so a replaced secret stops working at most `freshForMs` after
 *   the credential was last read, under any traffic.
 * - A secret that does not match the digest causes a re-read — so a new secret works at once
 *   after the credential is changed — but at most once per `recheckAfterMs` per key, so a
 *   flood of wrong secrets cannot force a credential read per request.
 * - Concurrent requests that need a read share one.
 * - A failed read is not remembered (the error goes to the caller).
 *
 * No n8n in here: the clock and the credential read are passed in.
 */
import { createHash, timingSafeEqual } from 'crypto';

export interface CredentialCacheTiming {
	/** How long a read of the credential is trusted. */
	freshForMs: number;
	/** The least time between two reads caused by secrets that did not match. */
	recheckAfterMs: number;
	/** Most keys kept; the least recently read goes first. */
	maxEntries: number;
}

const CREDENTIAL_CACHE_DEFAULTS: CredentialCacheTiming = {
	freshForMs: 5_000,
	recheckAfterMs: 1_000,
	maxEntries: 1_000,
};

export type SecretCheck = 'valid' | 'invalid';

interface Entry {
	/** `undefined`: the credential holds no usable secret, so nothing matches. */
	digest: Buffer | undefined;
	/** When the read that produced `digest` started. */
	readAt: number;
}

function digestOf(secret: string): Buffer {
	return createHash('sha256').update(secret, 'utf8').digest();
}

function matches(expected: Buffer | undefined, received: Buffer): boolean {
	return expected !== undefined && timingSafeEqual(expected, received);
}

export class CredentialCache {
	private readonly entries = new Map<string, Entry>();
	private readonly reads = new Map<string, Promise<Entry>>();
	/** Credential reads started, for tests and measurements. */
	readCount = 0;

	constructor(
		private readonly now: () => number,
		private readonly timing: CredentialCacheTiming = CREDENTIAL_CACHE_DEFAULTS,
	) {}

	/**
	 * Whether `received` is the secret the credential holds. `readSecret` reads the credential
	 * (it is called only when the rules above ask for a read). An empty secret never matches,
	 * on either side.
	 */
	async check(
		key: string,
		received: string,
		readSecret: () => Promise<unknown>,
	): Promise<SecretCheck> {
		if (received === '') return 'invalid';
		const receivedDigest = digestOf(received);
		const entry = this.entries.get(key);
		const age = entry ? this.now() - entry.readAt : Number.NaN;
		// A clock that went back counts as stale: read again rather than trust it longer.
		if (!entry || !(age >= 0 && age < this.timing.freshForMs)) {
			return matches((await this.read(key, readSecret)).digest, receivedDigest)
				? 'valid'
				: 'invalid';
		}
		if (matches(entry.digest, receivedDigest)) return 'valid';
		if (age < this.timing.recheckAfterMs && !this.reads.has(key)) return 'invalid';
		return matches((await this.read(key, readSecret)).digest, receivedDigest) ? 'valid' : 'invalid';
	}

	/** Forgets everything (tests). */
	clear(): void {
		this.entries.clear();
		this.reads.clear();
	}

	private read(key: string, readSecret: () => Promise<unknown>): Promise<Entry> {
		const pending = this.reads.get(key);
		if (pending) return pending;
		const readAt = this.now();
		this.readCount++;
		// readSecret runs in a later microtask, so even a synchronous throw settles `read` after it
		// is registered, and `finally` always unregisters it.
		const read = Promise.resolve()
			.then(readSecret)
			.then((secret) => {
				const entry: Entry = {
					digest: typeof secret === 'string' && secret !== '' ? digestOf(secret) : undefined,
					readAt,
				};
				this.entries.delete(key); // re-inserted last: Map order is the eviction order
				this.entries.set(key, entry);
				if (this.entries.size > this.timing.maxEntries)
					this.entries.delete(this.entries.keys().next().value as string);
				return entry;
			})
			.finally(() => this.reads.delete(key));
		this.reads.set(key, read);
		return read;
	}
}

import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';

const FIXTURES = join(__dirname, '..', 'fixtures');

export function loadFixture<T = Record<string, any>>(
	provider: 'captain' | 'arrive',
	name: string,
): T {
	return JSON.parse(readFileSync(join(FIXTURES, provider, `${name}.json`), 'utf8')) as T;
}

export function fixtureNames(provider: 'captain' | 'arrive'): string[] {
	return readdirSync(join(FIXTURES, provider))
		.filter((file) => file.endsWith('.json'))
		.map((file) => file.replace(/\.json$/, ''))
		.sort();
}

/** The core stays pure: it may import only its own modules and node:crypto (hashing, no I/O). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const CORE = join(__dirname, '..', '..', '..', 'src', 'core');

it('src/core imports nothing but itself and node:crypto', () => {
	const files = readdirSync(CORE).filter((f) => f.endsWith('.ts'));
	expect(files).toEqual(expect.arrayContaining(['gift.ts', 'peer.ts', 'planner.ts', 'report.ts', 'validate.ts', 'types.ts', 'index.ts']));
	for (const file of files) {
		const source = readFileSync(join(CORE, file), 'utf8');
		const imports = [
			...source.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+['"]([^'"]+)['"]/gm),
			...source.matchAll(/\b(?:require|import)\(\s*['"]([^'"]+)['"]/g),
		].map((m) => m[1]);
		if (file === 'planner.ts') expect(imports).toEqual(expect.arrayContaining(['node:crypto', './gift'])); // the scan sees imports
		for (const spec of imports) expect([file, spec]).toEqual([file, expect.stringMatching(/^(\.\/[\w-]+|node:crypto)$/)]);
		expect(source).not.toMatch(/\b(Date\.now|Math\.random|process\.)/);
	}
});

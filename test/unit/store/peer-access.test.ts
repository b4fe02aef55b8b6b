import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SqliteGiftStore } from '../../../src/store';
import { peerAccessContract } from './peer-access.contract';

peerAccessContract('sqlite', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'peer-access-'));
	const store = await SqliteGiftStore.open(join(dir, 'store.sqlite'));
	return {
		store,
		dispose: async () => {
			await store.close();
			rmSync(dir, { recursive: true, force: true });
		},
	};
});

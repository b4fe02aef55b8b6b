/**
 * Must be imported before n8n-core: n8n's instance settings and this package's store read their
 * locations from the environment when first used. Each jest worker gets its own folder, so tests
 * never touch ~/.n8n or each other's store.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const testUserFolder = mkdtempSync(join(tmpdir(), 'tg-gifts-nodes-'));
process.env.N8N_USER_FOLDER = testUserFolder;
process.env.TELEGRAM_GIFTS_DB = join(testUserFolder, 'store.sqlite');
process.env.N8N_LOG_LEVEL = process.env.N8N_LOG_LEVEL ?? 'silent';
process.env.N8N_ENCRYPTION_KEY = process.env.N8N_ENCRYPTION_KEY ?? 'node-tests-only-key';
process.env.N8N_DIAGNOSTICS_ENABLED = 'false';

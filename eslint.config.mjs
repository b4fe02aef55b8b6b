import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

// This package talks MTProto (teleproto), the Bot API (grammY) and keeps state in sqlite3,
// so it needs runtime dependencies: self-hosted only, hence the without-cloud config.
export default [
	...configWithoutCloudSupport,
	{ ignores: ['dist/**', 'coverage/**', '.e2e-cache/**'] },
	{ rules: { '@n8n/community-nodes/no-runtime-dependencies': 'off' } },
];

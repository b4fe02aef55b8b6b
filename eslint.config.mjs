import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

// This package talks MTProto (teleproto), the Bot API (grammY) and keeps state in sqlite3,
// so it needs runtime dependencies: self-hosted only, hence the without-cloud config.
export default [
	...configWithoutCloudSupport,
	{ ignores: ['dist/**', 'coverage/**', '.e2e-cache/**'] },
	{ rules: { '@n8n/community-nodes/no-runtime-dependencies': 'off' } },
	// The package has no public homepage, repository or maintainer address yet; package.json names
	// none rather than an invented one (users would follow it). Add them back with real ones.
	{
		files: ['package.json'],
		rules: {
			'@n8n/community-nodes/require-homepage': 'off',
			'@n8n/community-nodes/valid-author': 'off',
			'n8n-nodes-base/community-package-json-author-missing': 'off',
		},
	},
];

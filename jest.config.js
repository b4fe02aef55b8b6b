/** Unit tests (pure core) and sandbox integration tests (real gramjs/grammY over loopback). */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
	testTimeout: 30000,
	reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
};

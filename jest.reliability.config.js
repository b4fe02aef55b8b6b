/**
 * Reliability cases (npm run reliability, via scripts/reliability/run.js): the fault matrix, bad-input
 * fuzzing and secret scan against the sandbox. Kept out of `npm test` (its files are not *.test.ts).
 */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test/reliability'],
	testMatch: ['**/*.reliability.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
	testTimeout: 120000,
};

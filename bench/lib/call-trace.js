'use strict';
/**
 * Records every TelegramAccount.call (account label, method, start, end, error message) while
 * active — instrumentation of the real call path, so a bench can time what the package's own code
 * did (e.g. when each account sent its last request) without reimplementing any of it.
 */
const { performance } = require('node:perf_hooks');
const { load } = require('./common');

function traceCalls() {
	const { TelegramAccount } = load('src/telegram/account');
	const original = TelegramAccount.prototype.call;
	const log = [];
	TelegramAccount.prototype.call = async function traced(request, options) {
		const entry = { account: this.label, method: request.className, start: performance.now(), end: null, error: null, errorKind: null, parked: false };
		log.push(entry);
		try {
			return await original.call(this, request, options);
		} catch (error) {
			entry.error = error && (error.errorMessage || error.message);
			entry.errorKind = error && error.constructor ? error.constructor.name : null;
			entry.parked = Boolean(error && error.parked);
			throw error;
		} finally {
			entry.end = performance.now();
		}
	};
	return {
		log,
		stop() {
			TelegramAccount.prototype.call = original;
		},
	};
}

module.exports = { traceCalls };

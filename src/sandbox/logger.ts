/** Where the sandbox reports what it does; never console directly (lint forbids it, tests inject). */
export interface SandboxLogger {
	info(message: string): void;
	warn(message: string): void;
	error(message: string): void;
}

/** Default: one line per message on stderr, so stdout stays free for machine-readable output. */
export function stderrLogger(): SandboxLogger {
	const write = (level: string, message: string): void => {
		process.stderr.write(`[sandbox ${level}] ${message}\n`);
	};
	return {
		info: (m) => write('info', m),
		warn: (m) => write('warn', m),
		error: (m) => write('error', m),
	};
}

export function silentLogger(): SandboxLogger {
	return { info: () => undefined, warn: () => undefined, error: () => undefined };
}

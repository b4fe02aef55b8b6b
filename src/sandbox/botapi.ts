/**
 * The sandbox's fake Telegram Bot API: an HTTP server on loopback that grammY (or curl) talks to
 * as if it were api.telegram.org. It answers getMe, sendMessage, sendSticker, sendDocument and
 * sendPhoto in the real response shapes, keeps uploaded files reusable by file_id, injects 429 and
 * 403 on demand, and records every call. The token is compared, never logged or recorded.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
	BotApiFailure,
	BotApiState,
	canonicalMethod,
	forbiddenDescription,
	normalizeChatId,
	type MethodName,
	type ParamValue,
} from './botapi/methods';
import { parseMultipart, type MultipartFile } from './botapi/multipart';

export interface FakeBotApiOptions {
	/** The only token accepted; any other gets 401 Unauthorized like Telegram. */
	token: string;
	/** 0 (default) = an ephemeral port. */
	port?: number;
	host?: string;
	/** Milliseconds on the sandbox timeline (atMs in records, flood windows). Default: ms since start. */
	clock?: () => number;
	/** Where unknown methods are reported (default stderr). Never receives the token. */
	log?: (line: string) => void;
}

/** One HTTP call as the server saw it. Uploaded file bytes are replaced by a description. */
export interface BotApiCall {
	atMs: number;
	/** Canonical method name, or the path's method as sent when unknown. */
	method: string;
	params: Record<string, unknown>;
	/** HTTP status answered (200, 400, 401, 403, 404, 429, ...). */
	status: number;
	ok: boolean;
	description?: string;
	/** True when the request carried at least one file upload. */
	upload: boolean;
}

/** A delivered message, in the sandbox record's botMessages shape. */
export interface BotMessageRecord {
	atMs: number;
	method: string;
	chatId: string;
	/** Message text or caption; null for stickers and captionless files. */
	text: string | null;
	hasSticker: boolean;
}

export interface BotFaultSpec {
	/** Only calls of this method (any method when absent). */
	method?: string;
	/** Only calls for this chat_id (any chat when absent). */
	chatId?: string;
	/** 429 flood, 403 blocked/not a member, 401 the token rejected (revoked by @BotFather, for `times` calls). */
	kind: '429' | '403' | '401';
	/** Seconds for 429 (default 1). Calls in the same scope are refused until it has passed. */
	retryAfter?: number;
	/** How many matching calls fail (default 1). */
	times?: number;
	/** Overrides the 403 description (default: by chat kind, "bot was blocked by the user" / "not a member"). */
	description?: string;
}

export interface FakeBotApi {
	/** What grammY takes as `client.apiRoot`, e.g. "http://127.0.0.1:41234" (no trailing slash). */
	readonly apiRoot: string;
	readonly token: string;
	readonly port: number;
	calls(): BotApiCall[];
	messages(): BotMessageRecord[];
	inject(fault: BotFaultSpec): void;
	stop(): Promise<void>;
}

const MAX_BODY_BYTES = 20 * 1024 * 1024;

interface ActiveFault {
	spec: BotFaultSpec;
	method: string | null;
	remaining: number;
}

export async function startFakeBotApi(options: FakeBotApiOptions): Promise<FakeBotApi> {
	if (typeof options.token !== 'string' || options.token === '') {
		throw new Error('startFakeBotApi: token must be a non-empty string');
	}
	const token = options.token;
	const startedAt = performance.now();
	const clock = options.clock ?? (() => Math.round(performance.now() - startedAt));
	const log = options.log ?? ((line: string) => void process.stderr.write(line + '\n'));
	const state = new BotApiState(token);
	const callLog: BotApiCall[] = [];
	const messageLog: BotMessageRecord[] = [];
	const faults: ActiveFault[] = [];
	/** 429 windows: key = chat id, or "*" for the whole bot. Values are clock() ms. */
	const floodUntil = new Map<string, number>();

	function handle(req: IncomingMessage, res: ServerResponse, body: Buffer | null): void {
		const atMs = clock();
		const url = new URL(req.url ?? '/', 'http://fake.invalid');
		const route = /^\/bot([^/]*)\/([^/]+)$/.exec(url.pathname);
		if (!route) {
			reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
			return;
		}
		const [, pathToken, pathMethod] = route;
		const method = canonicalMethod(pathMethod);
		const record: BotApiCall = { atMs, method: method ?? pathMethod, params: {}, status: 200, ok: true, upload: false };
		callLog.push(record);

		const fail = (failure: BotApiFailure) => {
			record.status = failure.errorCode;
			record.ok = false;
			record.description = failure.description;
			reply(res, failure.errorCode, {
				ok: false,
				error_code: failure.errorCode,
				description: failure.description,
				...(failure.parameters ? { parameters: failure.parameters } : {}),
			});
		};

		if (safeDecode(pathToken) !== token) {
			fail(new BotApiFailure(401, 'Unauthorized'));
			return;
		}
		if (body === null) {
			fail(new BotApiFailure(413, 'Request Entity Too Large'));
			return;
		}
		let params: Record<string, ParamValue>;
		let files: Map<string, MultipartFile>;
		try {
			({ params, files } = readParams(url, req.headers['content-type'] ?? '', body));
		} catch (error) {
			fail(new BotApiFailure(400, `Bad Request: ${error instanceof Error ? error.message : 'unreadable body'}`));
			return;
		}
		record.params = describeParams(params, files);
		record.upload = files.size > 0;
		if (!method) {
			log(`[fake-bot-api] unknown method "${pathMethod}" answered 404`);
			fail(new BotApiFailure(404, 'Not Found'));
			return;
		}
		const chatId = normalizeChatId(params.chat_id);
		const injected = takeFault(method, chatId, atMs);
		if (injected) {
			fail(injected);
			return;
		}
		try {
			const outcome = state.call(method, { params, files }, Math.floor(Date.now() / 1000));
			if (outcome.sent) messageLog.push({ atMs, method, ...outcome.sent });
			reply(res, 200, { ok: true, result: outcome.result });
		} catch (error) {
			if (error instanceof BotApiFailure) fail(error);
			else fail(new BotApiFailure(500, 'Internal Server Error'));
		}
	}

	/** An open 429 window, or the first matching injected fault (consuming one of its times). */
	function takeFault(method: MethodName, chatId: string | null, atMs: number): BotApiFailure | null {
		for (const key of ['*', chatId]) {
			if (key === null) continue;
			const until = floodUntil.get(key);
			if (until === undefined) continue;
			if (atMs < until) return tooManyRequests(Math.max(1, Math.ceil((until - atMs) / 1000)));
			floodUntil.delete(key);
		}
		const index = faults.findIndex(
			(f) => (f.method === null || f.method === method) && (f.spec.chatId === undefined || f.spec.chatId === chatId),
		);
		if (index < 0) return null;
		const fault = faults[index];
		if (--fault.remaining <= 0) faults.splice(index, 1);
		if (fault.spec.kind === '403') return new BotApiFailure(403, fault.spec.description ?? forbiddenDescription(chatId));
		if (fault.spec.kind === '401') return new BotApiFailure(401, 'Unauthorized');
		const retryAfter = fault.spec.retryAfter ?? 1;
		floodUntil.set(fault.spec.chatId ?? '*', atMs + retryAfter * 1000);
		return tooManyRequests(retryAfter);
	}

	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let tooLarge = false;
		req.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size > MAX_BODY_BYTES) tooLarge = true;
			else chunks.push(chunk);
		});
		req.on('end', () => {
			// null = over the size limit (answered 413, still recorded).
			handle(req, res, tooLarge ? null : Buffer.concat(chunks));
		});
		req.on('error', () => res.destroy());
	});
	const host = options.host ?? '127.0.0.1';
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const port = (server.address() as AddressInfo).port;
	const urlHost = host.includes(':') ? `[${host}]` : host;

	return {
		apiRoot: `http://${urlHost}:${port}`,
		token,
		port,
		calls: () => callLog.map((c) => ({ ...c, params: { ...c.params } })),
		messages: () => messageLog.map((m) => ({ ...m })),
		inject(spec: BotFaultSpec): void {
			if (spec.kind !== '429' && spec.kind !== '403' && spec.kind !== '401') throw new Error(`inject: kind must be "429", "403" or "401"`);
			const method = spec.method === undefined ? null : canonicalMethod(spec.method);
			if (spec.method !== undefined && method === null) throw new Error(`inject: unknown method "${spec.method}"`);
			if (spec.chatId !== undefined && normalizeChatId(spec.chatId) === null) {
				throw new Error(`inject: chatId must be a numeric chat id string`);
			}
			if (spec.retryAfter !== undefined && !(Number.isInteger(spec.retryAfter) && spec.retryAfter >= 1)) {
				throw new Error('inject: retryAfter must be a whole number of seconds ≥ 1');
			}
			const times = spec.times ?? 1;
			if (!(Number.isInteger(times) && times >= 1)) throw new Error('inject: times must be an integer ≥ 1');
			faults.push({ spec: { ...spec }, method, remaining: times });
		},
		stop: () =>
			new Promise<void>((resolve, reject) => {
				server.close((error) => (error ? reject(error) : resolve()));
				// Keep-alive sockets of clients (grammY keeps them) would hold close() open.
				server.closeAllConnections();
			}),
	};
}

function safeDecode(text: string): string | null {
	try {
		return decodeURIComponent(text);
	} catch {
		return null;
	}
}

function tooManyRequests(retryAfter: number): BotApiFailure {
	return new BotApiFailure(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
	const text = JSON.stringify(body);
	res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
	res.end(text);
}

/** Query string and body (JSON, urlencoded or multipart) merged, like the Bot API accepts them. */
function readParams(
	url: URL,
	contentType: string,
	body: Buffer,
): { params: Record<string, ParamValue>; files: Map<string, MultipartFile> } {
	const params: Record<string, ParamValue> = Object.fromEntries(url.searchParams);
	let files = new Map<string, MultipartFile>();
	const type = contentType.split(';')[0].trim().toLowerCase();
	if (body.length === 0) return { params, files };
	if (type === 'application/json') {
		const json: unknown = JSON.parse(body.toString('utf8'));
		if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('JSON body must be an object');
		Object.assign(params, json);
	} else if (type === 'application/x-www-form-urlencoded') {
		Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
	} else if (type === 'multipart/form-data') {
		const parsed = parseMultipart(body, contentType);
		Object.assign(params, Object.fromEntries(parsed.fields));
		files = parsed.files;
	}
	return { params, files };
}

/** Params for the record: attach:// references and direct file parts become {upload:{...}}. */
function describeParams(params: Record<string, ParamValue>, files: Map<string, MultipartFile>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	const describe = (f: MultipartFile) => ({ upload: { filename: f.filename, contentType: f.contentType, size: f.data.length } });
	const attached = new Set<string>();
	for (const [key, value] of Object.entries(params)) {
		if (typeof value === 'string' && value.startsWith('attach://') && files.has(value.slice(9))) {
			attached.add(value.slice(9));
			out[key] = describe(files.get(value.slice(9)) as MultipartFile);
		} else {
			out[key] = value;
		}
	}
	for (const [name, file] of files) if (!attached.has(name)) out[name] = describe(file);
	return out;
}

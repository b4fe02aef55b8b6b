/**
 * What crosses Redis between a process and a session's owner: the MTProto request exactly as it
 * would go on the wire (its TL bytes), the answer as TL bytes read back with the request's own
 * reader, and the account layer's typed errors as plain fields. Nothing secret is in either: a
 * request is what Telegram would receive, and the session string never leaves the owner.
 */
import {
	AccountError,
	AuthInvalidError,
	CircuitOpenError,
	DeadlineError,
	FloodWaitError,
	MigrateError,
	NetworkError,
	PaymentVerificationError,
	TelegramError,
	type ErrorContext,
} from '../errors';
import { Api, BinaryReader } from '../gramjs';

const BOOL_TRUE = 0x997275b5;
const BOOL_FALSE = 0xbc799737;
const VECTOR_ID = 0x1cb5c415;

function vectorBytes(items: Buffer[]): Buffer {
	const head = Buffer.allocUnsafe(8);
	head.writeUInt32LE(VECTOR_ID, 0);
	head.writeInt32LE(items.length, 4);
	return Buffer.concat([head, ...items]);
}

type TlRequest = Api.AnyRequest & { getBytes(): Buffer; readResult(reader: InstanceType<typeof BinaryReader>): unknown };

export function encodeRequest(request: Api.AnyRequest): string {
	return Buffer.from((request as TlRequest).getBytes()).toString('base64');
}

export function decodeRequest(data: string): Api.AnyRequest {
	const obj: unknown = new BinaryReader(Buffer.from(data, 'base64')).tgReadObject();
	if (!obj || typeof obj !== 'object' || (obj as { classType?: unknown }).classType !== 'request') {
		throw new Error('forwarded data is not a Telegram request');
	}
	return obj as Api.AnyRequest;
}

/** A pushed update as TL bytes (base64), and back. */
export function encodeUpdate(update: Api.TypeUpdate): string {
	return Buffer.from((update as unknown as { getBytes(): Buffer }).getBytes()).toString('base64');
}

export function decodeUpdate(data: string): Api.TypeUpdate | null {
	try {
		const obj: unknown = new BinaryReader(Buffer.from(data, 'base64')).tgReadObject();
		return obj && typeof obj === 'object' && (obj as { classType?: unknown }).classType === 'constructor' ? (obj as Api.TypeUpdate) : null;
	} catch {
		return null;
	}
}

/** The answer's TL bytes (objects, Bool, vectors of objects, ints or longs). */
export function encodeResult(value: unknown): string {
	return resultBytes(value).toString('base64');
}

function resultBytes(value: unknown): Buffer {
	if (typeof value === 'boolean') {
		const b = Buffer.allocUnsafe(4);
		b.writeUInt32LE(value ? BOOL_TRUE : BOOL_FALSE, 0);
		return b;
	}
	if (Array.isArray(value)) {
		if (value.every((v) => typeof v === 'number')) {
			return vectorBytes(value.map((v: number) => { const b = Buffer.allocUnsafe(4); b.writeInt32LE(v, 0); return b; }));
		}
		if (value.every((v) => typeof v === 'bigint' || (v !== null && typeof v === 'object' && !('getBytes' in v)))) {
			return vectorBytes(value.map((v: unknown) => { const b = Buffer.allocUnsafe(8); b.writeBigInt64LE(BigInt(String(v)), 0); return b; }));
		}
		return vectorBytes(value.map((v) => Buffer.from((v as { getBytes(): Buffer }).getBytes())));
	}
	if (value !== null && typeof value === 'object' && typeof (value as { getBytes?: unknown }).getBytes === 'function') {
		return Buffer.from((value as { getBytes(): Buffer }).getBytes());
	}
	throw new Error('answer cannot be forwarded (not a TL value)');
}

export function decodeResult<R extends Api.AnyRequest>(request: R, data: string): R['__response'] {
	return (request as unknown as TlRequest).readResult(new BinaryReader(Buffer.from(data, 'base64'))) as R['__response'];
}

/** An AccountError as plain JSON (message texts are rebuilt on the receiving side from the fields). */
export interface ErrorWire {
	type: 'flood' | 'auth' | 'network' | 'deadline' | 'circuit' | 'telegram' | 'verification' | 'migrate';
	notSent: boolean;
	detail?: string;
	seconds?: number;
	parked?: boolean;
	reason?: string;
	deadlineMs?: number;
	retryInMs?: number;
	code?: number;
	errorMessage?: string;
	newDc?: number;
}

export function encodeError(error: AccountError, nowMs: number): ErrorWire {
	const base = { notSent: error.notSent };
	if (error instanceof FloodWaitError) return { ...base, type: 'flood', seconds: Math.max(0, Math.ceil((error.retryAtMs - nowMs) / 1000)), parked: error.parked };
	if (error instanceof AuthInvalidError) return { ...base, type: 'auth', reason: error.reason };
	if (error instanceof DeadlineError) return { ...base, type: 'deadline', deadlineMs: error.deadlineMs };
	if (error instanceof CircuitOpenError) return { ...base, type: 'circuit', retryInMs: Math.max(0, error.retryAtMs - nowMs) };
	if (error instanceof TelegramError) return { ...base, type: 'telegram', code: error.code, errorMessage: error.errorMessage };
	if (error instanceof PaymentVerificationError) return { ...base, type: 'verification' };
	if (error instanceof MigrateError) return { ...base, type: 'migrate', newDc: error.newDc, errorMessage: error.errorMessage };
	const detail = error.message.replace(/^.*?: network error: /, '').replace(/ \([^)]*\)$/, '');
	return { ...base, type: 'network', detail: detail.slice(0, 200) };
}

export function decodeError(wire: ErrorWire, context: ErrorContext, nowMs: number): AccountError {
	let error: AccountError;
	switch (wire.type) {
		case 'flood':
			error = new FloodWaitError(context, wire.seconds ?? 0, nowMs, wire.parked === true);
			break;
		case 'auth':
			error = new AuthInvalidError(context, wire.reason ?? 'AUTH_KEY_INVALID');
			break;
		case 'deadline':
			error = new DeadlineError(context, wire.deadlineMs ?? 0);
			break;
		case 'circuit':
			error = new CircuitOpenError(context, nowMs + (wire.retryInMs ?? 0));
			break;
		case 'telegram':
			error = new TelegramError(context, wire.code ?? 400, wire.errorMessage ?? 'UNKNOWN');
			break;
		case 'verification':
			error = new PaymentVerificationError(context);
			break;
		case 'migrate':
			error = new MigrateError(context, wire.newDc ?? 0, wire.errorMessage ?? 'MIGRATE');
			break;
		default:
			error = new NetworkError(context, wire.detail ?? 'error at the session owner');
	}
	error.notSent = wire.notSent === true;
	return error;
}

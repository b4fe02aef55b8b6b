/**
 * The fake Bot API's methods: what Telegram's Bot API answers for getMe, sendMessage, sendSticker,
 * sendDocument and sendPhoto, in its response shapes, over an in-memory store of chats and files.
 * No network here; botapi.ts does HTTP, faults and the call record.
 */
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { MultipartFile } from './multipart';

/** A Bot API error as Telegram sends it: {ok:false, error_code, description, parameters?}. */
export class BotApiFailure extends Error {
	constructor(
		readonly errorCode: number,
		readonly description: string,
		readonly parameters?: { retry_after?: number; migrate_to_chat_id?: number },
	) {
		super(description);
	}
}

export type FileKind = 'sticker' | 'document' | 'photo';

interface StoredFile {
	kind: FileKind;
	fileId: string;
	fileUniqueId: string;
	fileName: string;
	mimeType: string;
	size: number;
	animated: boolean;
	video: boolean;
}

/** A parameter value: plain text/JSON from the request, or an uploaded file. */
export type ParamValue = unknown;

export interface MethodRequest {
	params: Record<string, ParamValue>;
	/** Files of a multipart request, by part name (attach:// targets and direct file fields). */
	files: Map<string, MultipartFile>;
}

export interface SentMessage {
	chatId: string;
	text: string | null;
	hasSticker: boolean;
}

export interface MethodResult {
	result: unknown;
	/** Set when the call delivered a message (it goes into messages()). */
	sent?: SentMessage;
}

/** Canonical names, looked up case-insensitively like the real Bot API does. */
export const METHODS = ['getMe', 'sendMessage', 'sendSticker', 'sendDocument', 'sendPhoto'] as const;
export type MethodName = (typeof METHODS)[number];

export function canonicalMethod(name: string): MethodName | null {
	const lower = name.toLowerCase();
	return METHODS.find((m) => m.toLowerCase() === lower) ?? null;
}

const TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;

export class BotApiState {
	private readonly files = new Map<string, StoredFile>();
	private readonly nextMessageId = new Map<string, number>();
	private readonly bot: { id: number; is_bot: true; first_name: string; username: string };

	constructor(token: string) {
		// A real token starts with the bot's numeric id ("123456:ABC..."); fall back to a fixed id.
		const prefix = /^(\d{1,15}):/.exec(token)?.[1];
		const id = prefix ? Number(prefix) : 777000001;
		this.bot = { id, is_bot: true, first_name: 'Sandbox Gifts Bot', username: 'sandbox_gifts_bot' };
	}

	call(method: MethodName, req: MethodRequest, nowSec: number): MethodResult {
		switch (method) {
			case 'getMe':
				return {
					result: {
						...this.bot,
						can_join_groups: true,
						can_read_all_group_messages: false,
						supports_inline_queries: false,
					},
				};
			case 'sendMessage':
				return this.sendMessage(req, nowSec);
			case 'sendSticker':
				return this.sendSticker(req, nowSec);
			case 'sendDocument':
				return this.sendDocument(req, nowSec);
			case 'sendPhoto':
				return this.sendPhoto(req, nowSec);
		}
	}

	private sendMessage(req: MethodRequest, nowSec: number): MethodResult {
		const chatId = requireChatId(req.params);
		const text = req.params.text === undefined ? '' : String(req.params.text);
		if (text.trim() === '') throw new BotApiFailure(400, 'Bad Request: message text is empty');
		if (text.length > TEXT_LIMIT) throw new BotApiFailure(400, 'Bad Request: message is too long');
		return {
			result: { ...this.envelope(chatId, nowSec), text },
			sent: { chatId, text, hasSticker: false },
		};
	}

	private sendSticker(req: MethodRequest, nowSec: number): MethodResult {
		const chatId = requireChatId(req.params);
		const file = this.resolveFile(req, 'sticker', (upload) => stickerFromUpload(upload));
		const sticker = {
			file_id: file.fileId,
			file_unique_id: file.fileUniqueId,
			type: 'regular',
			width: 512,
			height: 512,
			is_animated: file.animated,
			is_video: file.video,
			file_size: file.size,
		};
		return {
			result: { ...this.envelope(chatId, nowSec), sticker },
			sent: { chatId, text: null, hasSticker: true },
		};
	}

	private sendDocument(req: MethodRequest, nowSec: number): MethodResult {
		const chatId = requireChatId(req.params);
		const caption = optionalCaption(req.params);
		const file = this.resolveFile(req, 'document', (upload) => ({
			fileName: upload.filename,
			mimeType: mimeFor(upload),
			size: upload.data.length,
			animated: false,
			video: false,
		}));
		const document = {
			file_id: file.fileId,
			file_unique_id: file.fileUniqueId,
			file_name: file.fileName,
			mime_type: file.mimeType,
			file_size: file.size,
		};
		return {
			result: { ...this.envelope(chatId, nowSec), document, ...(caption === null ? {} : { caption }) },
			sent: { chatId, text: caption, hasSticker: false },
		};
	}

	private sendPhoto(req: MethodRequest, nowSec: number): MethodResult {
		const chatId = requireChatId(req.params);
		const caption = optionalCaption(req.params);
		const file = this.resolveFile(req, 'photo', (upload) => {
			if (!isJpeg(upload.data) && !isPng(upload.data) && !isWebp(upload.data)) {
				throw new BotApiFailure(400, 'Bad Request: IMAGE_PROCESS_FAILED');
			}
			return { fileName: upload.filename, mimeType: mimeFor(upload), size: upload.data.length, animated: false, video: false };
		});
		const photo = [{ file_id: file.fileId, file_unique_id: file.fileUniqueId, width: 512, height: 512, file_size: file.size }];
		return {
			result: { ...this.envelope(chatId, nowSec), photo, ...(caption === null ? {} : { caption }) },
			sent: { chatId, text: caption, hasSticker: false },
		};
	}

	/** The file of a send* call: an upload (attach://name or a direct file part) or a known file_id. */
	private resolveFile(
		req: MethodRequest,
		kind: FileKind,
		describe: (upload: MultipartFile) => Omit<StoredFile, 'kind' | 'fileId' | 'fileUniqueId'>,
	): StoredFile {
		const value = req.params[kind];
		let upload = req.files.get(kind);
		if (typeof value === 'string' && value.startsWith('attach://')) {
			upload = req.files.get(value.slice('attach://'.length));
			if (!upload) throw new BotApiFailure(400, `Bad Request: file of field ${kind} not found in the request`);
		}
		if (upload) {
			if (upload.data.length === 0) throw new BotApiFailure(400, `Bad Request: file must be non-empty`);
			const stored: StoredFile = { kind, ...newFileIds(kind), ...describe(upload) };
			this.files.set(stored.fileId, stored);
			return stored;
		}
		if (typeof value !== 'string' || value === '') {
			throw new BotApiFailure(400, `Bad Request: there is no ${kind} in the request`);
		}
		if (/^https?:\/\//i.test(value)) {
			// The fake never fetches URLs (no network in the sandbox).
			throw new BotApiFailure(400, 'Bad Request: wrong file identifier/HTTP URL specified');
		}
		const known = this.files.get(value);
		if (!known) throw new BotApiFailure(400, 'Bad Request: wrong file identifier/HTTP URL specified');
		if (known.kind !== kind) {
			throw new BotApiFailure(400, `Bad Request: can't use file of type ${title(known.kind)} as ${title(kind)}`);
		}
		return known;
	}

	private envelope(chatId: string, nowSec: number): Record<string, unknown> {
		const messageId = (this.nextMessageId.get(chatId) ?? 0) + 1;
		this.nextMessageId.set(chatId, messageId);
		const chat = chatObject(chatId);
		const base: Record<string, unknown> = { message_id: messageId, date: nowSec, chat };
		// Channel posts carry the channel as sender; elsewhere the bot is the sender.
		if (chat.type === 'channel') base.sender_chat = chat;
		else base.from = this.bot;
		return base;
	}
}

/** A chat_id parameter as a decimal string (ids are 64-bit; never turned into a username). */
export function normalizeChatId(value: unknown): string | null {
	if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
	if (typeof value === 'string' && /^-?\d{1,19}$/.test(value.trim())) return value.trim();
	return null;
}

function requireChatId(params: Record<string, ParamValue>): string {
	const raw = params.chat_id;
	if (raw === undefined || raw === '') throw new BotApiFailure(400, 'Bad Request: chat_id is empty');
	const chatId = normalizeChatId(raw);
	// The fake knows no usernames: "@name" and malformed ids are unknown chats.
	if (chatId === null || !Number.isSafeInteger(Number(chatId)) || chatId === '0') {
		throw new BotApiFailure(400, 'Bad Request: chat not found');
	}
	return chatId;
}

function chatObject(chatId: string): { id: number; type: string; title?: string; first_name?: string } {
	const id = Number(chatId);
	if (chatId.startsWith('-100')) return { id, type: 'channel', title: `Channel ${chatId}` };
	if (id < 0) return { id, type: 'group', title: `Group ${chatId}` };
	return { id, type: 'private', first_name: `User ${chatId}` };
}

/** The chat kind a 403 describes: Telegram words "blocked" for users and "not a member" for chats. */
export function forbiddenDescription(chatId: string | null): string {
	if (chatId === null || !chatId.startsWith('-')) return 'Forbidden: bot was blocked by the user';
	if (chatId.startsWith('-100')) return 'Forbidden: bot is not a member of the channel chat';
	return 'Forbidden: bot is not a member of the group chat';
}

function optionalCaption(params: Record<string, ParamValue>): string | null {
	if (params.caption === undefined || params.caption === '') return null;
	const caption = String(params.caption);
	if (caption.length > CAPTION_LIMIT) throw new BotApiFailure(400, 'Bad Request: message caption is too long');
	return caption;
}

function stickerFromUpload(upload: MultipartFile): Omit<StoredFile, 'kind' | 'fileId' | 'fileUniqueId'> {
	const base = { fileName: upload.filename, size: upload.data.length };
	if (isGzip(upload.data)) {
		// .tgs = gzip-compressed Lottie JSON; Telegram refuses anything else under that name.
		if (!isLottie(upload.data)) throw new BotApiFailure(400, 'Bad Request: invalid sticker file');
		return { ...base, mimeType: 'application/x-tgsticker', animated: true, video: false };
	}
	if (isWebp(upload.data)) return { ...base, mimeType: 'image/webp', animated: false, video: false };
	if (isWebm(upload.data)) return { ...base, mimeType: 'video/webm', animated: false, video: true };
	throw new BotApiFailure(400, 'Bad Request: invalid sticker file');
}

function isLottie(data: Buffer): boolean {
	try {
		const json: unknown = JSON.parse(gunzipSync(data).toString('utf8'));
		return typeof json === 'object' && json !== null && 'layers' in json;
	} catch {
		return false;
	}
}

const isGzip = (d: Buffer) => d.length > 2 && d[0] === 0x1f && d[1] === 0x8b;
const isWebp = (d: Buffer) => d.length > 12 && d.toString('latin1', 0, 4) === 'RIFF' && d.toString('latin1', 8, 12) === 'WEBP';
const isWebm = (d: Buffer) => d.length > 4 && d.readUInt32BE(0) === 0x1a45dfa3;
const isJpeg = (d: Buffer) => d.length > 3 && d[0] === 0xff && d[1] === 0xd8 && d[2] === 0xff;
const isPng = (d: Buffer) => d.length > 8 && d.toString('latin1', 1, 4) === 'PNG';

function mimeFor(upload: MultipartFile): string {
	const ext = /\.([A-Za-z0-9]+)$/.exec(upload.filename)?.[1]?.toLowerCase();
	const byExt: Record<string, string> = {
		tgs: 'application/x-tgsticker',
		webp: 'image/webp',
		webm: 'video/webm',
		jpg: 'image/jpeg',
		jpeg: 'image/jpeg',
		png: 'image/png',
		json: 'application/json',
		txt: 'text/plain',
	};
	if (ext && byExt[ext]) return byExt[ext];
	return upload.contentType || 'application/octet-stream';
}

const FILE_ID_PREFIX: Record<FileKind, string> = { sticker: 'CAAC', document: 'BQAC', photo: 'AgAC' };

function newFileIds(kind: FileKind): { fileId: string; fileUniqueId: string } {
	return {
		fileId: FILE_ID_PREFIX[kind] + randomBytes(24).toString('base64url'),
		fileUniqueId: 'AQAD' + randomBytes(8).toString('base64url'),
	};
}

function title(kind: FileKind): string {
	return kind[0].toUpperCase() + kind.slice(1);
}

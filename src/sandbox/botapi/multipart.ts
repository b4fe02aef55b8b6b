/**
 * A small multipart/form-data parser for the fake Bot API. Bodies are buffered (uploads to the
 * fake are stickers and small documents), so a plain boundary search over one Buffer suffices.
 * It accepts both what grammY writes (lower-case headers, unquoted filename) and what browsers
 * and curl write (quoted parameters, Content-Type per part).
 */

export interface MultipartFile {
	filename: string;
	contentType: string;
	data: Buffer;
}

export interface MultipartBody {
	fields: Map<string, string>;
	files: Map<string, MultipartFile>;
}

export class MultipartError extends Error {}

/** Reads the boundary parameter of a multipart/form-data Content-Type header. */
export function multipartBoundary(contentType: string): string {
	const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
	const boundary = match?.[1] ?? match?.[2];
	if (!boundary) throw new MultipartError('multipart/form-data without a boundary');
	return boundary;
}

export function parseMultipart(body: Buffer, contentType: string): MultipartBody {
	const boundary = multipartBoundary(contentType);
	const delimiter = Buffer.from(`--${boundary}`);
	const fields = new Map<string, string>();
	const files = new Map<string, MultipartFile>();

	let cursor = body.indexOf(delimiter);
	if (cursor < 0) throw new MultipartError('multipart body does not contain its boundary');
	for (;;) {
		cursor += delimiter.length;
		// "--" right after a delimiter closes the body.
		if (body[cursor] === 0x2d && body[cursor + 1] === 0x2d) break;
		cursor = skipLineBreak(body, cursor);
		const next = body.indexOf(delimiter, cursor);
		if (next < 0) throw new MultipartError('multipart body is not terminated');
		// The CRLF before a delimiter belongs to the delimiter, not to the part.
		let end = next;
		if (body[end - 1] === 0x0a) end--;
		if (body[end - 1] === 0x0d) end--;
		addPart(body.subarray(cursor, end), fields, files);
		cursor = next;
	}
	return { fields, files };
}

function skipLineBreak(body: Buffer, at: number): number {
	if (body[at] === 0x0d && body[at + 1] === 0x0a) return at + 2;
	if (body[at] === 0x0a) return at + 1;
	return at;
}

function addPart(part: Buffer, fields: Map<string, string>, files: Map<string, MultipartFile>): void {
	let headerEnd = part.indexOf('\r\n\r\n');
	let bodyStart = headerEnd + 4;
	if (headerEnd < 0) {
		headerEnd = part.indexOf('\n\n');
		bodyStart = headerEnd + 2;
	}
	if (headerEnd < 0) throw new MultipartError('multipart part without a header block');
	const headers = new Map<string, string>();
	for (const line of part.subarray(0, headerEnd).toString('utf8').split(/\r?\n/)) {
		const colon = line.indexOf(':');
		if (colon <= 0) continue;
		headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
	}
	const disposition = headers.get('content-disposition');
	if (!disposition || !/^form-data/i.test(disposition)) {
		throw new MultipartError('multipart part without Content-Disposition: form-data');
	}
	const name = dispositionParam(disposition, 'name');
	if (name === undefined) throw new MultipartError('multipart part without a name');
	const filename = dispositionParam(disposition, 'filename');
	const data = part.subarray(bodyStart);
	if (filename === undefined) {
		fields.set(name, data.toString('utf8'));
	} else {
		files.set(name, {
			filename,
			contentType: headers.get('content-type') ?? 'application/octet-stream',
			data: Buffer.from(data),
		});
	}
}

/** A Content-Disposition parameter, quoted ("a b") or bare (grammY writes filename=x.tgs). */
function dispositionParam(disposition: string, key: string): string | undefined {
	const re = new RegExp(`;\\s*${key}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i');
	const match = re.exec(disposition);
	if (!match) return undefined;
	if (match[1] !== undefined) return match[1].replace(/\\(.)/g, '$1');
	return match[2].trim();
}

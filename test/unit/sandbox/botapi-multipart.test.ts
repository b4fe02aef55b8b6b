import { MultipartError, multipartBoundary, parseMultipart } from '../../../src/sandbox/botapi/multipart';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');

describe('parseMultipart', () => {
	test("grammY's shape: lower-case headers, unquoted filename, attach:// field", () => {
		const bin = Buffer.from([0x1f, 0x8b, 0x0d, 0x0a, 0x2d, 0x2d, 0x00, 0xff]);
		const body = Buffer.concat([
			crlf(['--XyZ', 'content-disposition:form-data;name="chat_id"', '', '-1001', '--XyZ', 'content-disposition:form-data;name="sticker"', '', 'attach://abc', '--XyZ', 'content-disposition:form-data;name="abc";filename=gift-1.tgs', 'content-type:application/octet-stream', '', '']),
			bin,
			crlf(['', '--XyZ--', '']),
		]);
		const parsed = parseMultipart(body, 'multipart/form-data; boundary=XyZ');
		expect(Object.fromEntries(parsed.fields)).toEqual({ chat_id: '-1001', sticker: 'attach://abc' });
		const file = parsed.files.get('abc');
		expect(file).toMatchObject({ filename: 'gift-1.tgs', contentType: 'application/octet-stream' });
		// Bytes that look like CRLF and "--" inside the file survive.
		expect(file?.data.equals(bin)).toBe(true);
	});

	test('browser/curl shape: quoted parameters, Content-Type per part, quoted boundary, empty value', () => {
		const body = crlf([
			'preamble',
			'--b q',
			'Content-Disposition: form-data; name="caption"',
			'',
			'line one',
			'line two',
			'--b q',
			'Content-Disposition: form-data; name="empty"',
			'',
			'',
			'--b q',
			'Content-Disposition: form-data; name="document"; filename="my \\"file\\".txt"',
			'Content-Type: text/plain',
			'',
			'hello',
			'--b q--',
		]);
		const parsed = parseMultipart(body, 'multipart/form-data; boundary="b q"');
		expect(parsed.fields.get('caption')).toBe('line one\r\nline two');
		expect(parsed.fields.get('empty')).toBe('');
		expect(parsed.files.get('document')).toMatchObject({ filename: 'my "file".txt', contentType: 'text/plain' });
		expect(parsed.files.get('document')?.data.toString()).toBe('hello');
	});

	test('malformed bodies are MultipartErrors', () => {
		expect(() => multipartBoundary('multipart/form-data')).toThrow(MultipartError);
		expect(() => parseMultipart(Buffer.from('nothing'), 'multipart/form-data; boundary=zz')).toThrow('does not contain its boundary');
		expect(() => parseMultipart(crlf(['--zz', 'content-disposition: form-data; name="a"', '', 'x']), 'multipart/form-data; boundary=zz')).toThrow(
			'not terminated',
		);
		expect(() => parseMultipart(crlf(['--zz', 'content-type: text/plain', '', 'x', '--zz--']), 'multipart/form-data; boundary=zz')).toThrow(
			'Content-Disposition',
		);
	});
});

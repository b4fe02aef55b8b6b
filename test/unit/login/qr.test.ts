/** The login QR helpers: the PNG decodes back to the exact URL; the terminal text is a QR drawing. */
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { qrPng, qrTerminal } from '../../../src/telegram/qr';

const URL_TEXT = `tg://login?token=${Buffer.alloc(32, 7).toString('base64url')}`;

describe('login QR codes', () => {
	it('renders a PNG that a QR reader decodes to the login URL', async () => {
		const png = await qrPng(URL_TEXT);
		expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
		const image = PNG.sync.read(png);
		expect(image.width).toBe(360);
		const decoded = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
		expect(decoded?.data).toBe(URL_TEXT);
	});

	it('renders terminal text made of block characters, one line per two module rows', async () => {
		const text = await qrTerminal(URL_TEXT);
		const lines = text.split('\n').filter((l) => l.length > 0);
		expect(lines.length).toBeGreaterThan(10);
		expect(text).toMatch(/[▀▄█]/);
		expect(text).not.toContain(URL_TEXT);
	});
});

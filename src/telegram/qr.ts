/**
 * QR codes for the login URL (`tg://login?token=…`): a PNG for the n8n node's QR Start (binary
 * output a Form page or chat can show) and text for a terminal (the CLI's `login --qr`).
 */
import QRCode from 'qrcode';

export const QR_PNG_MIME_TYPE = 'image/png';

/** A PNG of the QR code (error correction M, 4-module quiet zone). */
export async function qrPng(text: string, options: { width?: number } = {}): Promise<Buffer> {
	return await QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 4, width: options.width ?? 360 });
}

/** The QR code drawn with half-block characters (two modules per character row). */
export async function qrTerminal(text: string): Promise<string> {
	return await QRCode.toString(text, { type: 'terminal', small: true, errorCorrectionLevel: 'L' });
}

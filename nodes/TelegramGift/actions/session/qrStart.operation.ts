/** Session → QR Start: a login QR code (PNG binary `qr`) to scan in Telegram under Settings → Devices. */
import { QR_PNG_MIME_TYPE, qrPng } from '../../../../src/telegram/qr';
import { loginStartOf, sessionOperation } from './loginSteps';

export const qrStart = sessionOperation(async function (itemIndex, logins) {
	const started = await logins.qrStart(loginStartOf.call(this, itemIndex));
	let shown = false;
	try {
		const qr = await this.helpers.prepareBinaryData(await qrPng(started.url), 'login-qr.png', QR_PNG_MIME_TYPE);
		shown = true;
		return { json: { ...started }, binary: { qr } };
	} finally {
		// Nobody can scan a QR code that was never shown: drop the login now.
		if (!shown) await logins.cancel(started.loginId);
	}
});

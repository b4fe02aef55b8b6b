/**
 * Gift stickers for the sandbox: real, tiny .tgs files (gzipped Lottie JSON, 512×512, 60 fps,
 * one second) generated per gift — a rounded square in a colour derived from the gift id that
 * pulses once. Generated, not stored, so every gift gets its own valid animation.
 */
import { crc32, gzipSync } from 'node:zlib';

export const TGS_MIME_TYPE = 'application/x-tgsticker';

export function giftSticker(giftId: string): Buffer {
	const hue = crc32(giftId) % 360;
	const [r, g, b] = hslToRgb(hue / 360, 0.65, 0.55);
	const lottie = {
		tgs: 1,
		v: '5.5.2',
		fr: 60,
		ip: 0,
		op: 60,
		w: 512,
		h: 512,
		nm: `gift ${giftId}`,
		ddd: 0,
		assets: [],
		layers: [
			{
				ddd: 0,
				ind: 1,
				ty: 4,
				nm: 'box',
				sr: 1,
				ks: {
					o: { a: 0, k: 100 },
					r: { a: 0, k: 0 },
					p: { a: 0, k: [256, 256, 0] },
					a: { a: 0, k: [0, 0, 0] },
					s: {
						a: 1,
						k: [
							{ t: 0, s: [100, 100, 100], i: { x: [0.5], y: [1] }, o: { x: [0.5], y: [0] } },
							{ t: 30, s: [115, 115, 100], i: { x: [0.5], y: [1] }, o: { x: [0.5], y: [0] } },
							{ t: 60, s: [100, 100, 100] },
						],
					},
				},
				ao: 0,
				shapes: [
					{
						ty: 'gr',
						nm: 'shape',
						it: [
							{ ty: 'rc', nm: 'rect', d: 1, s: { a: 0, k: [300, 300] }, p: { a: 0, k: [0, 0] }, r: { a: 0, k: 48 } },
							{ ty: 'fl', nm: 'fill', c: { a: 0, k: [r, g, b, 1] }, o: { a: 0, k: 100 }, r: 1 },
							{ ty: 'tr', p: { a: 0, k: [0, 0] }, a: { a: 0, k: [0, 0] }, s: { a: 0, k: [100, 100] }, r: { a: 0, k: 0 }, o: { a: 0, k: 100 } },
						],
					},
				],
				ip: 0,
				op: 60,
				st: 0,
				bm: 0,
			},
		],
	};
	return gzipSync(Buffer.from(JSON.stringify(lottie)));
}

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
	const q = l < 0.5 ? l * (1 + s) : l + s - l * s;
	const p = 2 * l - q;
	const channel = (t: number): number => {
		const x = t < 0 ? t + 1 : t > 1 ? t - 1 : t;
		if (x < 1 / 6) return p + (q - p) * 6 * x;
		if (x < 1 / 2) return q;
		if (x < 2 / 3) return p + (q - p) * (2 / 3 - x) * 6;
		return p;
	};
	const round = (v: number): number => Math.round(v * 1000) / 1000;
	return [round(channel(h + 1 / 3)), round(channel(h)), round(channel(h - 1 / 3))];
}

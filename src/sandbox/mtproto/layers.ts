/**
 * Answers in the layer a client declared. Telegram serializes every answer and update in the
 * layer the session named with invokeWithLayer (core.telegram.org/api/invoking#layers), so a
 * client built against an older schema still reads them. The sandbox builds everything with the
 * library's current classes (LAYER); for a session on an older layer, the constructors that
 * changed since then are rewritten into the form that layer knows.
 *
 * Only constructors the sandbox sends and whose older form is known are listed. Each change so far
 * only added an optional field, so the older form is the same bytes under the older constructor
 * id once that field is left out (which is what Telegram does for an older layer).
 */
import { Api, BinaryReader, LAYER } from '../../telegram/gramjs';
import { vectorBytes } from './tlBytes';

interface OlderForm {
	/** The class whose current form an older layer cannot read. */
	cls: { CONSTRUCTOR_ID: number };
	/** Layers below this one get the older form. */
	changedInLayer: number;
	olderConstructorId: number;
	/** The optional field the older form does not have. */
	addedField: string;
}

/**
 * Layer 229 added `linked_community_id` to user and channel; before it they were
 * user#31774388 and channel#1c32b11c (e.g. mtcute 0.30's schema, which calls itself layer 227).
 */
const OLDER_FORMS: OlderForm[] = [
	{ cls: Api.User, changedInLayer: 229, olderConstructorId: 0x31774388, addedField: 'linkedCommunityId' },
	{ cls: Api.Channel, changedInLayer: 229, olderConstructorId: 0x1c32b11c, addedField: 'linkedCommunityId' },
];

function idBytes(id: number): Buffer {
	const b = Buffer.allocUnsafe(4);
	b.writeUInt32LE(id >>> 0, 0);
	return b;
}

/** A stand-in that the library's serializer writes in place of the object it wraps. */
class OlderFormOf {
	constructor(
		private readonly obj: Record<string, unknown> & { getBytes(): Buffer },
		private readonly form: OlderForm,
	) {}

	getBytes(): Buffer {
		const copy = Object.assign(Object.create(Object.getPrototypeOf(this.obj) as object) as object, this.obj) as Record<string, unknown> & {
			getBytes(): Buffer;
		};
		copy[this.form.addedField] = undefined;
		const bytes = Buffer.from(copy.getBytes());
		bytes.writeUInt32LE(this.form.olderConstructorId >>> 0, 0);
		return bytes;
	}
}

function rewrite(value: unknown, forms: OlderForm[]): unknown {
	if (Array.isArray(value)) return value.map((v) => rewrite(v, forms));
	if (!value || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
	const obj = value as Record<string, unknown> & { getBytes?: () => Buffer };
	if (typeof obj.getBytes !== 'function') return value;
	for (const key of Object.keys(obj)) {
		const child = obj[key];
		if (child && typeof child === 'object') obj[key] = rewrite(child, forms);
	}
	const form = forms.find((f) => value instanceof (f.cls as unknown as new () => unknown));
	return form ? new OlderFormOf(obj as Record<string, unknown> & { getBytes(): Buffer }, form) : value;
}

/**
 * Serialized TL (an answer or an update) as a client on `layer` reads it. Returns the bytes
 * unchanged when nothing in them changed since that layer.
 */
export function forLayer(bytes: Buffer, layer: number | undefined): Buffer {
	if (layer === undefined || layer >= LAYER) return bytes;
	const forms = OLDER_FORMS.filter((f) => layer < f.changedInLayer);
	if (!forms.some((f) => bytes.includes(idBytes(f.cls.CONSTRUCTOR_ID)))) return bytes;
	let parsed: unknown;
	try {
		parsed = new BinaryReader(bytes).tgReadObject();
	} catch {
		return bytes;
	}
	const adapted = rewrite(parsed, forms);
	if (Array.isArray(adapted)) return vectorBytes(adapted.map((item) => (item as { getBytes(): Buffer }).getBytes()));
	if (adapted && typeof adapted === 'object' && typeof (adapted as { getBytes?: unknown }).getBytes === 'function') {
		return Buffer.from((adapted as { getBytes(): Buffer }).getBytes());
	}
	return bytes;
}

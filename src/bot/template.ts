/**
 * Caption templates: "{title} for {price} ⭐" style placeholders, filled from a gift. Pure.
 * A placeholder is {name} with a letter-only name; other braces are plain text.
 */
import { BotInputError } from './errors';

export const CAPTION_PLACEHOLDERS = ['title', 'price', 'supply', 'remains', 'id'] as const;
export type CaptionPlaceholder = (typeof CAPTION_PLACEHOLDERS)[number];
export type CaptionValues = Record<CaptionPlaceholder, string>;

export type CaptionLang = 'en' | 'ru';

export const DEFAULT_CAPTION_TEMPLATES: Record<CaptionLang, string> = {
	en: '🎁 New gift: {title}\nPrice: {price} ⭐\nSupply: {supply}\nLeft: {remains}\nID: {id}',
	ru: '🎁 Новый подарок: {title}\nЦена: {price} ⭐\nТираж: {supply}\nОсталось: {remains}\nID: {id}',
};

/** The gift fields a caption uses; the core's Gift fits. */
export interface CaptionGift {
	id: string;
	stars: number;
	title?: string | null;
	availabilityTotal?: number | null;
	availabilityRemains?: number | null;
}

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

/** Fills {name} placeholders; an unknown name is an error naming it and the allowed ones. */
export function renderTemplate(template: string, values: CaptionValues): string {
	return template.replace(PLACEHOLDER, (_whole, name: string) => {
		if (!(CAPTION_PLACEHOLDERS as readonly string[]).includes(name)) {
			throw new BotInputError(
				'captionTemplate',
				`unknown placeholder {${name}}; use ${CAPTION_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`,
			);
		}
		return values[name as CaptionPlaceholder];
	});
}

/** Checks a template without rendering it (for node parameter validation). */
export function validateTemplate(template: string): void {
	renderTemplate(template, { title: '', price: '', supply: '', remains: '', id: '' });
}

export function captionValues(gift: CaptionGift, lang: CaptionLang = 'en'): CaptionValues {
	const unlimited = lang === 'ru' ? 'без ограничений' : 'unlimited';
	const unknown = lang === 'ru' ? 'неизвестно' : 'unknown';
	const total = gift.availabilityTotal ?? null;
	const remains = gift.availabilityRemains ?? null;
	return {
		title: gift.title?.trim() || (lang === 'ru' ? `Подарок ${gift.id}` : `Gift ${gift.id}`),
		price: String(gift.stars),
		supply: total === null ? unlimited : String(total),
		remains: remains !== null ? String(remains) : total === null ? unlimited : unknown,
		id: gift.id,
	};
}

export function renderCaption(gift: CaptionGift, template?: string, lang: CaptionLang = 'en'): string {
	return renderTemplate(template ?? DEFAULT_CAPTION_TEMPLATES[lang], captionValues(gift, lang));
}

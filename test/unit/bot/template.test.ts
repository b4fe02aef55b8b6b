import { BotInputError } from '../../../src/bot/errors';
import { captionValues, renderCaption, renderTemplate, validateTemplate } from '../../../src/bot/template';

const values = { title: 'Pepe', price: '2500', supply: '10000', remains: '42', id: '517' };

describe('caption template', () => {
	test('fills every placeholder, repeatedly, and keeps other text', () => {
		expect(renderTemplate('{title} {title} costs {price}⭐, {remains}/{supply} left, id {id}.', values)).toBe(
			'Pepe Pepe costs 2500⭐, 42/10000 left, id 517.',
		);
	});

	test('braces that are not a placeholder stay as text', () => {
		expect(renderTemplate('{} { title } {1} {title', values)).toBe('{} { title } {1} {title');
	});

	test('values are not re-expanded (a title containing {price} stays literal)', () => {
		expect(renderTemplate('{title}', { ...values, title: '{price}' })).toBe('{price}');
	});

	test('an unknown placeholder is an error naming it and the allowed ones', () => {
		expect(() => renderTemplate('Hi {name} and {title}', values)).toThrow(BotInputError);
		expect(() => validateTemplate('Hi {Title}')).toThrow(
			'captionTemplate: unknown placeholder {Title}; use {title} {price} {supply} {remains} {id}',
		);
		expect(() => validateTemplate('{title} {price} {supply} {remains} {id}')).not.toThrow();
	});

	test('values from a gift: missing title, unlimited and unknown supply, per language', () => {
		expect(captionValues({ id: '1', stars: 15 })).toEqual({ title: 'Gift 1', price: '15', supply: 'unlimited', remains: 'unlimited', id: '1' });
		expect(captionValues({ id: '1', stars: 15, title: '  ', availabilityTotal: 500, availabilityRemains: null })).toEqual({
			title: 'Gift 1',
			price: '15',
			supply: '500',
			remains: 'unknown',
			id: '1',
		});
		expect(captionValues({ id: '1', stars: 15, availabilityTotal: 500, availabilityRemains: 0 }, 'ru')).toMatchObject({
			title: 'Подарок 1',
			supply: '500',
			remains: '0',
		});
	});

	test('default templates per language', () => {
		const gift = { id: '9', stars: 100, title: 'Rose', availabilityTotal: 3000, availabilityRemains: 12 };
		expect(renderCaption(gift)).toBe('🎁 New gift: Rose\nPrice: 100 ⭐\nSupply: 3000\nLeft: 12\nID: 9');
		expect(renderCaption(gift, undefined, 'ru')).toBe('🎁 Новый подарок: Rose\nЦена: 100 ⭐\nТираж: 3000\nОсталось: 12\nID: 9');
	});
});

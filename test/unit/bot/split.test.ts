import fc from 'fast-check';
import { splitMessage } from '../../../src/bot/split';

describe('splitMessage', () => {
	test('short text is one message, unchanged', () => {
		expect(splitMessage('hello\nworld')).toEqual(['hello\nworld']);
	});

	test('cuts at line breaks and drops the break', () => {
		expect(splitMessage('aaaa\nbbbb\ncccc', 9)).toEqual(['aaaa\nbbbb', 'cccc']);
		expect(splitMessage('aaaa\nbbbb\ncccc', 4)).toEqual(['aaaa', 'bbbb', 'cccc']);
	});

	test('an overlong line is cut at whitespace, else hard at the limit', () => {
		expect(splitMessage('one two three four', 10)).toEqual(['one two ', 'three four']);
		expect(splitMessage('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
	});

	test('never cuts a surrogate pair', () => {
		const parts = splitMessage('a' + '😀'.repeat(10), 4);
		expect(parts.join('')).toBe('a' + '😀'.repeat(10));
		for (const p of parts) expect(p).toBe(Array.from(p).join(''));
		for (const p of parts) expect(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(p)).toBe(false);
	});

	test('whitespace-only pieces are dropped; empty text gives no message', () => {
		expect(splitMessage('abc\n\n\n\n\n\n\ndef', 3)).toEqual(['abc', 'def']);
		expect(splitMessage('')).toEqual([]);
		expect(splitMessage('   \n  ')).toEqual([]);
	});

	test('the Telegram limit is 4096 by default', () => {
		const parts = splitMessage(('y'.repeat(100) + '\n').repeat(100));
		// 40 lines of 100 + 39 breaks fit in 4096; the last piece keeps the text's final line break.
		expect(parts.map((p) => p.length)).toEqual([4039, 4039, 2020]);
	});

	test('properties: every piece fits, none is blank, no content is lost or reordered', () => {
		const alphabet = fc.constantFrom('a', 'b', ' ', '\n', '😀', 'é');
		fc.assert(
			fc.property(fc.array(alphabet, { maxLength: 300 }).map((cs) => cs.join('')), fc.integer({ min: 2, max: 40 }), (text, limit) => {
				const parts = splitMessage(text, limit);
				for (const p of parts) {
					expect(p.length).toBeGreaterThan(0);
					expect(p.length).toBeLessThanOrEqual(limit);
					expect(p.trim()).not.toBe('');
				}
				const squash = (s: string) => s.replace(/\s/g, '');
				expect(squash(parts.join(''))).toBe(squash(text));
				// Lines that fit are never cut: each piece is a run of whole consecutive lines, and
				// only whitespace-only lines are left out between pieces.
				if (text.split('\n').every((line) => line.length <= limit)) {
					const lines = text.split('\n');
					let at = 0;
					for (const p of parts) {
						const run = p.split('\n');
						while (at < lines.length && lines.slice(at, at + run.length).join('\n') !== p) {
							expect(lines[at].trim()).toBe('');
							at++;
						}
						expect(at).toBeLessThan(lines.length);
						at += run.length;
					}
					for (const rest of lines.slice(at)) expect(rest.trim()).toBe('');
				}
			}),
		);
	});
});

import { describe, expect, it } from 'vitest';
import { mentionsIn } from '#src/mentions';

describe('mentionsIn', () => {
  it('finds @usernames, lower-case and each once, wherever they stand', () => {
    expect(mentionsIn('@Assistant where is my order? cc @bob_2, @assistant')).toEqual(['assistant', 'bob_2']);
  });

  it('ignores e-mail addresses, a lone @ and names too short', () => {
    expect(mentionsIn('write to ada@example.com or @ or @a')).toEqual([]);
  });

  it('keeps at most twenty', () => {
    const many = Array.from({ length: 30 }, (_, i) => `@user${i}`).join(' ');
    expect(mentionsIn(many)).toHaveLength(20);
  });
});

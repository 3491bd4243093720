import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy, loadCommonPasswords, passwordMessages } from '../../src/passwords/policy.js';

const { tooShort, tooLong, entirelyNumeric, similarToUsername, tooCommon } = passwordMessages;

describe('checkPasswordPolicy', () => {
  it.each<[string, string, string, string[]]>([
    ['a long unusual passphrase', 'correct horse battery', 'alice', []],
    ['exactly 8 characters', 'k7#Lq2!z', 'alice', []],
    ['8 characters counted as code points, not UTF-16 units', '🔒🔑🗝️🚪🪟🧱🏠🌳', 'alice', []],
    ['7 characters', 'k7#Lq2!', 'alice', [tooShort]],
    ['1024 bytes', 'é'.repeat(512), 'alice', []],
    ['1025 bytes', `${'é'.repeat(512)}x`, 'alice', [tooLong]],
    ['all digits', '90817263544', 'alice', [entirelyNumeric]],
    ['digits and a letter', '9081726354a', 'alice', []],
    ['a common password', 'password1', 'alice', [tooCommon]],
    ['a common password in other case', 'PassWord1', 'alice', [tooCommon]],
    ['common, short and numeric', '123456', 'alice', [tooShort, tooCommon, entirelyNumeric]],
    ['the username', 'alice.smith', 'Alice.Smith', [similarToUsername]],
    ['the username without its punctuation', 'alicesmith', 'alice.smith', [similarToUsername]],
    ['the username and three characters', 'alicesmith123', 'alice.smith', [similarToUsername]],
    ['the username and four characters', 'alicesmith1234', 'alice.smith', []],
    ['a short username inside a password', 'bobsleigh team', 'bob', []],
    ['a username of only punctuation', '........', '...', []],
  ])('%s', async (_name, password, username, problems) => {
    expect(await checkPasswordPolicy(password, { username })).toEqual(problems);
  });

  it('knows at least 10,000 common passwords, loaded once', async () => {
    const list = await loadCommonPasswords();
    expect(list.size).toBeGreaterThanOrEqual(10_000);
    expect(await loadCommonPasswords()).toBe(list);
    for (const password of ['123456', 'qwerty', 'iloveyou', 'letmein', 'dragon', 'monkey']) {
      expect(list.has(password)).toBe(true);
    }
  });
});

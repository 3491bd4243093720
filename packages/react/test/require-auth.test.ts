import { describe, expect, it } from 'vitest';
import { returnPathFrom } from '../src/require-auth.js';

describe('returnPathFrom', () => {
  it.each([
    ['?next=%2Fsessions', '/sessions'],
    ['?next=%2Fsessions%3Ftab%3D2', '/sessions?tab=2'],
    ['', '/'],
    ['?next=', '/'],
    ['?next=https%3A%2F%2Fevil.example%2F', '/'],
    ['?next=%2F%2Fevil.example', '/'],
    ['?next=%2F%5Cevil.example', '/'],
    ['?next=javascript%3Aalert(1)', '/'],
  ])('%j returns %j', (search, expected) => {
    expect(returnPathFrom(search)).toBe(expected);
  });

  it('returns the fallback given when there is no usable next', () => {
    expect(returnPathFrom('?next=//x', '/home')).toBe('/home');
  });
});

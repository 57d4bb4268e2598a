import { describe, expect, it } from 'vitest';
import type { Needs } from './matching_api';
import {
  blockingWords,
  directionWords,
  kApproaches,
  kChangeNeed,
  kFocusAreas,
  kHardNeeds,
  kJurisdictions,
  kLanguages,
  kNeedNames,
  leftOutWords,
  listWords,
  nameOf,
  payerWords,
  structureWords,
  timeWords,
  weightWords,
} from './matching_words';

function needs(more: Partial<Needs> = {}): Needs {
  return { jurisdiction: 'GB', payer: '', modalities: [], languages: [], times: [], ...more };
}

describe('nameOf', () => {
  it('names a term by its id', () => {
    expect(nameOf(kLanguages, 'zh')).toBe('Mandarin');
    expect(nameOf(kJurisdictions, 'US-NY')).toBe('New York, United States');
  });

  it('gives an id the list does not know back as it is', () => {
    expect(nameOf(kLanguages, 'cy')).toBe('cy');
    expect(nameOf(kLanguages, '')).toBe('');
    expect(nameOf([], 'en')).toBe('en');
  });
});

describe('the vocabularies', () => {
  it('use each id once', () => {
    for (const terms of [kJurisdictions, kLanguages, kFocusAreas, kApproaches]) {
      const ids = terms.map((t) => t.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('name every hard need, and offer a way to change each but whether anyone is taking clients', () => {
    expect(Object.keys(kNeedNames).sort()).toEqual([...kHardNeeds].sort());
    expect(kHardNeeds.filter((n) => kChangeNeed[n] === undefined)).toEqual(['accepting']);
  });
});

describe('weightWords', () => {
  it('puts each weight in words', () => {
    expect(weightWords(0)).toBe('Doesn’t matter');
    expect(weightWords(1)).toBe('Would be nice');
    expect(weightWords(2)).toBe('Matters a lot');
  });
});

describe('structureWords and directionWords', () => {
  it('read a way of working back in words', () => {
    expect(structureWords('structured')).toBe('Sessions that follow a plan');
    expect(structureWords('open')).toBe('Sessions that go where they take them');
    expect(structureWords('either')).toBe('Either kind of session');
    expect(directionWords('guided')).toBe('A therapist who guides');
    expect(directionWords('self-led')).toBe('A therapist who follows their lead');
    expect(directionWords('either')).toBe('Guiding or following, either');
  });
});

describe('timeWords', () => {
  it('names the day of the week, Monday first', () => {
    expect(timeWords({ day: 1, start: '17:00', end: '21:00' })).toBe('Tuesday, 17:00 to 21:00');
    expect(timeWords({ day: 0, start: '09:00', end: '12:00' })).toBe('Monday, 09:00 to 12:00');
    expect(timeWords({ day: 6, start: '10:00', end: '11:30' })).toBe('Sunday, 10:00 to 11:30');
  });

  it('counts a day out of the week from one', () => {
    expect(timeWords({ day: 7, start: '10:00', end: '11:00' })).toBe('Day 8, 10:00 to 11:00');
  });
});

describe('listWords', () => {
  it('joins items with commas and a final "and"', () => {
    expect(listWords(['English', 'Spanish', 'French'])).toBe('English, Spanish and French');
    expect(listWords(['English', 'Spanish'])).toBe('English and Spanish');
  });

  it('gives one item alone and nothing for none', () => {
    expect(listWords(['English'])).toBe('English');
    expect(listWords([])).toBe('');
  });
});

describe('payerWords', () => {
  it('says any way of paying when none was chosen', () => {
    expect(payerWords('')).toBe('Any way of paying');
  });

  it('recognises paying for oneself in any case', () => {
    expect(payerWords('self-pay')).toBe('Paying for themselves');
    expect(payerWords('Self-Pay')).toBe('Paying for themselves');
  });

  it('names an insurer or scheme', () => {
    expect(payerWords('Bupa')).toBe('Through Bupa');
  });
});

describe('blockingWords', () => {
  it('says nobody is taking new clients', () => {
    expect(blockingWords('accepting', needs())).toBe('Nobody at the clinic is taking new clients just now.');
  });

  it('names the place chosen, or says "the place you chose" when there is none', () => {
    expect(blockingWords('jurisdiction', needs({ jurisdiction: 'IE' }))).toBe('Nobody at the clinic is licensed to see people in Ireland.');
    expect(blockingWords('jurisdiction', needs({ jurisdiction: 'FR' }))).toBe('Nobody at the clinic is licensed to see people in FR.');
    expect(blockingWords('jurisdiction', needs({ jurisdiction: '' }))).toBe('Nobody at the clinic is licensed to see people in the place you chose.');
  });

  it('speaks of paying for oneself, a named payer, or a way of paying', () => {
    expect(blockingWords('payer', needs({ payer: 'SELF-PAY' }))).toBe('Nobody at the clinic takes clients paying for themselves just now.');
    expect(blockingWords('payer', needs({ payer: 'Bupa' }))).toBe('Nobody at the clinic works with Bupa.');
    expect(blockingWords('payer', needs({ payer: '' }))).toBe('Nobody at the clinic works with that way of paying.');
  });

  it('lists the ways of meeting in lower case', () => {
    expect(blockingWords('modality', needs({ modalities: ['in-person', 'text'] }))).toBe('Nobody at the clinic offers in person and text chat sessions.');
    expect(blockingWords('modality', needs({ modalities: [] }))).toBe('Nobody at the clinic offers those sessions.');
  });

  it('lists the languages by name', () => {
    expect(blockingWords('language', needs({ languages: ['pl', 'ar', 'ur'] }))).toBe('Nobody at the clinic works in Polish, Arabic and Urdu.');
    expect(blockingWords('language', needs({ languages: [] }))).toBe('Nobody at the clinic works in those languages.');
  });

  it('says no times fit', () => {
    expect(blockingWords('times', needs())).toBe('Nobody at the clinic has times that fit the times you gave.');
  });
});

describe('leftOutWords', () => {
  it('speaks of one therapist in the singular', () => {
    expect(leftOutWords('accepting', 1)).toBe('1 therapist is not taking new clients just now.');
    expect(leftOutWords('jurisdiction', 1)).toBe('1 therapist cannot see people where you live.');
    expect(leftOutWords('payer', 1)).toBe('1 therapist does not work with the way you would pay.');
    expect(leftOutWords('modality', 1)).toBe('1 therapist does not offer the ways you would like to meet.');
    expect(leftOutWords('language', 1)).toBe('1 therapist does not work in the languages you chose.');
    expect(leftOutWords('times', 1)).toBe('1 therapist has no times that fit yours.');
  });

  it('speaks of several therapists in the plural', () => {
    expect(leftOutWords('accepting', 3)).toBe('3 therapists are not taking new clients just now.');
    expect(leftOutWords('jurisdiction', 2)).toBe('2 therapists cannot see people where you live.');
    expect(leftOutWords('payer', 2)).toBe('2 therapists do not work with the way you would pay.');
    expect(leftOutWords('modality', 4)).toBe('4 therapists do not offer the ways you would like to meet.');
    expect(leftOutWords('language', 3)).toBe('3 therapists do not work in the languages you chose.');
    expect(leftOutWords('times', 5)).toBe('5 therapists have no times that fit yours.');
  });

  it('speaks of none in the plural', () => {
    expect(leftOutWords('times', 0)).toBe('0 therapists have no times that fit yours.');
  });
});

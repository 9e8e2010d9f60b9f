import type { TermStart } from '../../../src/core/leadership';
import { decideRewind, type RewindItem } from '../../../src/core/rewind';

const terms: TermStart[] = [
  { term: 3, leader: 'follower-1', startedAt: 30, fence: { '0': '100' } },
  { term: 2, leader: 'main', startedAt: 20, fence: { '0': '40' } },
  { term: 1, leader: 'follower-2', startedAt: 10, fence: {} },
];
const context = { replica: 'main', terms };
const item = (over: Partial<RewindItem> = {}): RewindItem => ({ key: 'k', term: 2, version: 7, deleted: false, digest: 'd7', ...over });
const at = (offset: number) => ({ partition: 0, offset: String(offset) });

describe('rewinding a deposed leader', () => {
  it('keeps what came to it from the log under terms it did not lead', () => {
    expect(decideRewind(item({ term: 1 }), undefined, context)).toEqual({ action: 'keep', why: 'not-led-here' });
  });

  it('keeps a version the new leader holds as it is', () => {
    expect(decideRewind(item(), { term: 2, version: 7, deleted: false, digest: 'd7' }, context)).toEqual({ action: 'keep', why: 'on-the-leader' });
  });

  it('reverts a version committed under its term that never reached the log', () => {
    expect(decideRewind(item(), { term: 2, version: 6, deleted: false, digest: 'd6' }, context)).toEqual({ action: 'revert', why: 'never-in-log' });
    expect(decideRewind(item(), undefined, context)).toEqual({ action: 'revert', why: 'never-in-log' });
  });

  it('reverts a version that reached the log only after the next term\'s fence (refused by every follower)', () => {
    expect(decideRewind(item({ published: at(100) }), { term: 3, version: 7, deleted: false, digest: 'x' }, context)).toEqual({
      action: 'revert',
      why: 'after-fence',
    });
  });

  it('keeps a version that was in the log before the fence and was superseded on the new leader since', () => {
    expect(decideRewind(item({ published: at(99) }), { term: 3, version: 8, deleted: false, digest: 'd8' }, context)).toEqual({
      action: 'keep',
      why: 'on-the-leader',
    });
  });

  it('flags, and never reverts, a version in the log before the fence that the new leader lacks', () => {
    expect(decideRewind(item({ published: at(99) }), { term: 2, version: 6, deleted: false, digest: 'd6' }, context)).toEqual({
      action: 'flag',
      why: 'in-log-but-not-on-leader',
    });
  });
});

import { initialControlState, withFollowerAdded } from '../../../src/core/control-state';
import { reportRoster } from '../../../src/core/roster-report';

const three = ['follower-1', 'follower-2', 'follower-3'].map((id) => ({ id, delayMs: 0 }));

describe('roster report at startup', () => {
  it('given a control state seeded from the default, says so and has nothing to warn about', () => {
    const report = reportRoster(three, 'default', initialControlState(three, 'follower-1', 0));
    expect(report).toEqual({ inForce: 'follower-1 (sync), follower-2, follower-3', source: 'the default', notices: [] });
  });

  it('given REPLOG_FOLLOWERS changed on an existing control state, says what is in force, why, and how to change it', () => {
    const report = reportRoster([{ id: 'follower-1', delayMs: 0 }, { id: 'backup', delayMs: 3_600_000 }], 'REPLOG_FOLLOWERS', initialControlState(three, 'follower-1', 0));
    expect(report.inForce).toBe('follower-1 (sync), follower-2, follower-3');
    expect(report.source).toMatch(/^from the control state/);
    expect(report.notices).toEqual([
      'REPLOG_FOLLOWERS=follower-1,backup@delay=1h00m is not applied: the control state already holds a roster (follower-1, follower-2, follower-3), and it decides. Change the roster with `replog follower add <id>` and `replog follower remove <id>`, or start over with `replog dev --reset` (deletes the local data).',
    ]);
  });

  it('given an empty REPLOG_FOLLOWERS, says that the default applies', () => {
    const report = reportRoster(three, 'default (REPLOG_FOLLOWERS is empty)', initialControlState(three, 'follower-1', 0));
    expect(report.notices).toEqual(['REPLOG_FOLLOWERS is set but empty, so the default roster seeds a new control state (unset it, or list followers)']);
  });

  it('given a follower added with `replog follower add`, shows it (delayed) without calling the default wrong', () => {
    const state = withFollowerAdded(initialControlState(three, 'follower-1', 0), 'backup', 60_000, 1);
    const report = reportRoster(three, 'default', state);
    expect(report.inForce).toBe('follower-1 (sync), follower-2, follower-3, backup (delayed 1m00s)');
    expect(report.notices).toEqual([]);
  });
});

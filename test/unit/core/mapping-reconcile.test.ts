import { planMappingChanges } from '../../../src/core/mapping-reconcile';

describe('planMappingChanges', () => {
  it('starts enabled mappings that are not running', () => {
    expect(planMappingChanges([{ id: 'a', enabled: true, settings: 's1' }], new Map())).toEqual({ start: ['a'], stop: [], restart: [] });
  });

  it('never starts a mapping that is not enabled, and stops a running one that was disabled', () => {
    const changes = planMappingChanges(
      [
        { id: 'a', enabled: false, settings: 's1' },
        { id: 'b', enabled: false, settings: 's2' },
      ],
      new Map([['a', 's1']]),
    );
    expect(changes).toEqual({ start: [], stop: ['a'], restart: [] });
  });

  it('stops a running mapping that the stack no longer has', () => {
    expect(planMappingChanges([], new Map([['gone', 's']]))).toEqual({ start: [], stop: ['gone'], restart: [] });
  });

  it('restarts a running mapping whose settings changed and leaves an unchanged one alone', () => {
    const changes = planMappingChanges(
      [
        { id: 'a', enabled: true, settings: 'batch=10' },
        { id: 'b', enabled: true, settings: 'same' },
      ],
      new Map([
        ['a', 'batch=100'],
        ['b', 'same'],
      ]),
    );
    expect(changes).toEqual({ start: [], stop: [], restart: ['a'] });
  });
});

/**
 * Given/when/then for pure decisions, in the shape of Emmett's DeciderSpecification: `given` the
 * state, `when` an observation, `thenReturns` the outcome (or the refusal) the decision must return.
 */
export function decision<S, O, R>(decide: (state: S, observation: O) => R) {
  return {
    given: (state: S) => ({
      when: (observation: O) => ({
        thenReturns: (expected: unknown) => expect(decide(state, observation)).toMatchObject(expected as object),
        thenRefuses: (error: unknown) => expect(() => decide(state, observation)).toThrow(error as Error),
      }),
    }),
  };
}

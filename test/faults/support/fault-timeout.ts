// Each fault case drives real processes, a real broker and deadlines of its own.
jest.setTimeout(240_000);

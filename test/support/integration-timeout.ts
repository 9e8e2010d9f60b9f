// Integration tests wait on real processes and a real broker; each wait has its own deadline.
jest.setTimeout(120_000);

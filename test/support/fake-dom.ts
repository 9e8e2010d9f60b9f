import { runInNewContext } from 'node:vm';

/**
 * Just enough of a DOM to run the dashboard's inline script in a unit test: elements with
 * attributes, children, text, classes and listeners, found by id; no layout, no HTML parsing
 * (the script never writes HTML). The ids of the page's static markup are created up front.
 */
export class FakeElement {
  readonly attributes = new Map<string, string>();
  children: FakeElement[] = [];
  hidden = false;
  value = '';
  private text = '';
  readonly listeners = new Map<string, ((e: unknown) => void)[]>();
  readonly classList = {
    add: (c: string) => this.setClasses([...this.classes(), c]),
    remove: (c: string) => this.setClasses(this.classes().filter((x) => x !== c)),
    contains: (c: string) => this.classes().includes(c),
  };

  constructor(
    readonly tagName: string,
    private readonly dom: FakeDocument,
  ) {}

  get id() {
    return this.attributes.get('id') ?? '';
  }
  get className() {
    return this.attributes.get('class') ?? '';
  }
  set className(v: string) {
    this.attributes.set('class', v);
  }
  get title() {
    return this.attributes.get('title') ?? '';
  }
  set title(v: string) {
    this.attributes.set('title', v);
  }
  get textContent(): string {
    return this.children.length > 0 ? this.children.map((c) => c.textContent).join('') : this.text;
  }
  set textContent(v: unknown) {
    this.children = [];
    this.text = String(v);
  }
  setAttribute(name: string, value: unknown) {
    this.attributes.set(name, String(value));
    if (name === 'id') this.dom.register(this);
  }
  getAttribute(name: string) {
    return this.attributes.get(name) ?? null;
  }
  appendChild(child: FakeElement) {
    this.text = '';
    this.children.push(child);
    return child;
  }
  replaceChildren(...nodes: FakeElement[]) {
    this.text = '';
    this.children = nodes;
  }
  addEventListener(type: string, listener: (e: unknown) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  /** Every descendant for which `match` holds, in document order. */
  findAll(match: (e: FakeElement) => boolean): FakeElement[] {
    return this.children.flatMap((c) => [...(match(c) ? [c] : []), ...c.findAll(match)]);
  }
  /** The first descendant with this attribute value (`data-field`, `data-move`…). */
  find(attribute: string, value: string): FakeElement | undefined {
    return this.findAll((e) => e.getAttribute(attribute) === value)[0];
  }
  private classes() {
    return this.className.split(/\s+/).filter(Boolean);
  }
  private setClasses(list: string[]) {
    this.className = [...new Set(list)].join(' ');
  }
}

export class FakeDocument {
  private readonly byId = new Map<string, FakeElement>();

  /** The page's markup gives the ids; each becomes an empty element. */
  constructor(html: string) {
    for (const m of html.matchAll(/<([a-z0-9]+)[^>]*\sid="([^"]+)"/g)) {
      const [, tag = 'div', id = ''] = m;
      new FakeElement(tag, this).setAttribute('id', id);
    }
  }
  register(e: FakeElement) {
    this.byId.set(e.id, e);
  }
  getElementById(id: string) {
    return this.byId.get(id) ?? null;
  }
  createElement(tag: string) {
    return new FakeElement(tag, this);
  }
  createElementNS(_ns: string, tag: string) {
    return new FakeElement(tag, this);
  }
}

/**
 * Runs `script` once against `html`'s ids, its status fetch answered with `status`, and resolves
 * when the first poll has rendered (the next poll is never scheduled).
 */
export async function runDashboardScript(html: string, script: string, status: unknown): Promise<FakeDocument> {
  const document = new FakeDocument(html);
  const storage = new Map<string, string>();
  let rendered: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    rendered = resolve;
  });
  runInNewContext(script, {
    document,
    location: { href: 'http://replog.test/dashboard' },
    URL,
    sessionStorage: { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => storage.set(k, v) },
    fetch: async () => ({ status: 200, ok: true, json: async () => status }),
    // The first poll ends by scheduling the next: that is when it has rendered.
    setTimeout: () => {
      rendered();
      return 0;
    },
    clearTimeout: () => {},
    console,
  });
  await done;
  return document;
}

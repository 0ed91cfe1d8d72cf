import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WEB_FILES, loadWebAssets, webFolderCandidates } from './web-assets';

describe('web assets', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'dashboard-web-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const writePage = async (folder: string) => {
    await mkdir(folder, { recursive: true });
    await Promise.all(Object.keys(WEB_FILES).map((file) => writeFile(join(folder, file), `/* ${file} */`)));
  };

  it('finds src/web from the sources and from the built app (dist/, where tsc copies no page)', () => {
    const app = join(root, 'apps', 'dashboard-service');
    expect(webFolderCandidates(join(app, 'src', 'web-page'))).toContain(join(app, 'src', 'web'));
    expect(webFolderCandidates(join(app, 'dist', 'web-page'))).toContain(join(app, 'src', 'web'));
  });

  it('loads every file once, with its content type and a validator', async () => {
    const app = join(root, 'apps', 'dashboard-service');
    await writePage(join(app, 'src', 'web'));
    const assets = await loadWebAssets(webFolderCandidates(join(app, 'dist', 'web-page')));
    expect([...assets.keys()].sort()).toEqual(['catalog.html', 'dashboard.css', 'dashboard.js', 'index.html']);
    expect(assets.get('index.html')).toEqual({
      contentType: 'text/html; charset=utf-8',
      body: Buffer.from('/* index.html */'),
      etag: expect.stringMatching(/^"[\w-]+"$/),
    });
  });

  it('fails (the start) naming where it looked when the page is missing', async () => {
    await expect(loadWebAssets([join(root, 'nowhere')])).rejects.toThrow(/index\.html.*nowhere/);
  });
});

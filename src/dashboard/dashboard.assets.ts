import { Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface Asset {
  contentType: string;
  body: Buffer;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The dashboard's files, read once at start-up: its own page, script and style (from
 * `public/`, which the build copies into dist) and ECharts from the installed package, so
 * the page needs nothing from another site. Only these names can be served.
 */
@Injectable()
export class DashboardAssets {
  private readonly files = new Map<string, Asset>();

  constructor() {
    const publicDir = join(__dirname, 'public');
    for (const name of ['index.html', 'dashboard.js', 'dashboard.css']) this.add(name, join(publicDir, name));
    this.add('echarts.min.js', join(dirname(require.resolve('echarts')), 'echarts.min.js'));
  }

  get(name: string): Asset | undefined {
    return this.files.get(name);
  }

  private add(name: string, path: string): void {
    const extension = name.slice(name.lastIndexOf('.'));
    this.files.set(name, { contentType: CONTENT_TYPES[extension], body: readFileSync(path) });
  }
}

import { Injectable } from '@nestjs/common';
import { dirname, join } from 'node:path';
import { StaticAssets } from '../common/http/static-assets';

/**
 * The dashboard's files: its own page, script and style, and ECharts from the installed
 * package. Only these names can be served.
 */
@Injectable()
export class DashboardAssets extends StaticAssets {
  constructor() {
    const publicDir = join(__dirname, 'public');
    super({
      'index.html': join(publicDir, 'index.html'),
      'dashboard.js': join(publicDir, 'dashboard.js'),
      'dashboard.css': join(publicDir, 'dashboard.css'),
      'echarts.min.js': join(dirname(require.resolve('echarts')), 'echarts.min.js'),
    });
  }
}

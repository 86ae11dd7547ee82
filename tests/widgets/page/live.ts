// A Voilà-like page for the live widget test (bundled with esbuild by tests/widgets/page/bundle.ts,
// served by the Jupyter server under /static/): @jupyterlab/services starts a `tsdl` kernel on the
// running server, @jupyter-widgets/html-manager renders its widgets live over comms. The Output
// widget captures by msg_id, as JupyterLab's widget manager does (a kernel message hook per
// msg_id). Playwright drives it through window.tsdl.
import { KernelManager, ServerConnection, type Kernel, type KernelMessage } from '@jupyterlab/services';
import { shims } from '@jupyter-widgets/base';
import { HTMLManager } from '@jupyter-widgets/html-manager/lib/htmlmanager';
import { OutputModel, OutputView } from '@jupyter-widgets/html-manager/lib/output';

const VIEW = 'application/vnd.jupyter.widget-view+json';

/** Output model capturing the outputs of the request named by its msg_id, like JupyterLab's. */
class LiveOutputModel extends (OutputModel as any) {
  private hooked = '';
  initialize(attributes: unknown, options: unknown): void {
    super.initialize(attributes, options);
    (this as any).listenTo(this, 'change:msg_id', () => this.rehook());
    this.rehook();
  }
  private rehook(): void {
    const kernel = (this as any).widget_manager.kernel as Kernel.IKernelConnection;
    if (this.hooked) kernel.removeMessageHook(this.hooked, this.hook);
    this.hooked = (this as any).get('msg_id');
    if (this.hooked) kernel.registerMessageHook(this.hooked, this.hook);
  }
  private hook = (msg: KernelMessage.IIOPubMessage): boolean => {
    const outputs = (this as any).outputs;
    const type = msg.header.msg_type;
    const content = msg.content as any;
    if (type === 'clear_output') outputs.clear(content.wait);
    else if (type === 'stream' || type === 'display_data' || type === 'execute_result' || type === 'error') outputs.add({ output_type: type, ...content });
    else return true;
    return false;
  };
}

class LiveManager extends HTMLManager {
  constructor(readonly kernel: Kernel.IKernelConnection) {
    super();
    kernel.registerCommTarget('jupyter.widget', async (comm, msg) => {
      await this.handle_comm_open(new shims.services.Comm(comm), msg as any);
    });
  }
  protected loadClass(className: string, moduleName: string, moduleVersion: string): Promise<any> {
    if (moduleName === '@jupyter-widgets/output') return Promise.resolve(className === 'OutputModel' ? LiveOutputModel : OutputView);
    return super.loadClass(className, moduleName, moduleVersion);
  }
  async _create_comm(target: string, modelId: string, data?: any, metadata?: any, buffers?: any): Promise<any> {
    const comm = this.kernel.createComm(target, modelId);
    if (data || metadata) comm.open(data, metadata, buffers);
    return new shims.services.Comm(comm);
  }
  async _get_comm_info(): Promise<any> {
    const reply = await this.kernel.requestCommInfo({ target_name: 'jupyter.widget' });
    return (reply.content as any).comms;
  }
}

interface RunResult { status: string; text: string; error?: string }

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const serverSettings = ServerConnection.makeSettings({ baseUrl: `${location.origin}/`, wsUrl: `ws://${location.host}/`, token: params.get('token') ?? '' });
  const kernels = new KernelManager({ serverSettings });
  const kernel = await kernels.startNew({ name: 'tsdl' });
  const manager = new LiveManager(kernel);
  // As JupyterLab's widget manager does when it connects: ask which widget comms exist.
  await manager._get_comm_info();
  const area = document.getElementById('outputs')!;
  const displays = new Map<string, HTMLElement>();
  const pending = new Map<number, Promise<RunResult>>();
  let runs = 0;

  async function show(data: Record<string, any>, transient: { display_id?: string } | undefined, update: boolean): Promise<void> {
    const id = transient?.display_id;
    let el = id ? displays.get(id) : undefined;
    if (update && !el) return;
    if (!el) {
      el = document.createElement('div');
      el.className = 'output';
      area.appendChild(el);
      if (id) displays.set(id, el);
    }
    if (data[VIEW]) {
      el.innerHTML = '';
      const model = await manager.get_model(data[VIEW].model_id);
      await manager.display_view(await manager.create_view(model), el);
    } else if (typeof data['text/html'] === 'string' && !data['text/html'].includes('plotly.js v')) {
      el.innerHTML = data['text/html'];
    } else if (typeof data['text/plain'] === 'string') {
      el.textContent = data['text/plain'];
    }
  }

  function run(code: string): number {
    const id = ++runs;
    const future = kernel.requestExecute({ code });
    let text = '';
    let error: string | undefined;
    future.onIOPub = (msg) => {
      const c = msg.content as any;
      switch (msg.header.msg_type) {
        case 'stream': text += c.text; break;
        case 'error': error = `${c.ename}: ${c.evalue}`; break;
        case 'execute_result': case 'display_data': void show(c.data, c.transient, false); if (msg.header.msg_type === 'execute_result') text += c.data['text/plain'] ?? ''; break;
        case 'update_display_data': void show(c.data, c.transient, true); break;
        default:
      }
    };
    pending.set(id, future.done.then((reply) => ({ status: (reply.content as any).status, text, error })));
    return id;
  }

  (window as any).tsdl = {
    kernelId: kernel.id,
    run,
    wait: (id: number) => pending.get(id),
    exec: (code: string) => pending.get(run(code)),
    shutdown: () => kernel.shutdown(),
  };
  document.documentElement.dataset.ready = 'yes';
}

main().catch((e) => {
  document.documentElement.dataset.ready = 'failed';
  document.body.insertAdjacentText('beforeend', `startup failed: ${e && e.stack || e}`);
});

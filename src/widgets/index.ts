/**
 * Jupyter widgets and comms from TypeScript (`dl.widgets`): ipywidgets 8 models over the widget
 * message protocol 2.1, live in JupyterLab / Notebook 7 / VS Code / Voilà-style pages, saved in
 * reports (nbclient's widget state, rendered offline by the HTML report).
 *
 * Layout: comm.ts (comms through the kernel bridge) · buffers.ts (binary state) · widget.ts (the
 * protocol: state sync, echo, custom messages, display) · controls.ts (the widget classes) ·
 * output.ts (Output, msg_id capture) · interact.ts · frontend.ts (is a widget frontend attached?).
 */
import { registerControlTarget } from './widget';

export { Widget, widgetById, openWidgets, PROTOCOL_VERSION, WIDGET_VIEW_MIME, MODULE_VERSIONS } from './widget';
export type { Change, Observer, ModelSpec, State } from './widget';
export {
  Layout, DOMWidget, FloatSlider, IntSlider, FloatProgress, Dropdown, Checkbox, Text, Label, HTML, Button, HBox, VBox,
  DescriptionStyle, SliderStyle, ProgressStyle, CheckboxStyle, TextStyle, HTMLStyle, LabelStyle, ButtonStyle, onValue,
} from './controls';
export type {
  LayoutOptions, DOMWidgetOptions, DescriptionOptions, SliderOptions, ProgressOptions, DropdownOptions, Choice, CheckboxOptions,
  TextOptions, LabelOptions, ButtonOptions, BoxOptions, ValueWidget,
} from './controls';
export { Output } from './output';
export type { CaptureOptions } from './output';
export { interact, Interactive, controlFor } from './interact';
export type { Abbreviation, InteractSpec, InteractValues, InteractOptions, ValueOf } from './interact';
export { openComm, registerCommTarget, openComms } from './comm';
export type { Comm, CommMessage, BufferLike, JSONObject, FrontendInfo } from './comm';
export { removeBuffers, putBuffers } from './buffers';
export { widgetFrontend } from './frontend';

// Frontends reconnecting to the kernel (JupyterLab, VS Code) restore widgets through this target.
registerControlTarget();

// A small 3D view of skeletons on a <canvas> 2D context: a perspective
// projection of the joints, bones as lines, a floor grid and an axes gizmo;
// drag to turn the view, wheel to zoom, double-click to reset. No libraries.

const DEFAULT_YAW = -0.6; // radians about the vertical (y) axis
const DEFAULT_PITCH = 0.3; // radians: looking slightly down
const MAX_PITCH = 1.45;
// The camera sits this many scene radii from the centre: mild perspective.
const CAMERA_DISTANCE = 4;

export class SkeletonView {
  /** `edges`: the bones as [child, parent] joint indices (the samples' list). */
  constructor(canvas, edges) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.edges = edges;
    this.layers = [];
    this.center = [0, 0, 0];
    this.radius = 1;
    this.floor = [];
    this.message = '';
    this.yaw = DEFAULT_YAW;
    this.pitch = DEFAULT_PITCH;
    this.zoom = 1;
    this.#listen();
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  resetView() {
    this.yaw = DEFAULT_YAW;
    this.pitch = DEFAULT_PITCH;
    this.zoom = 1;
    this.draw();
  }

  /**
   * The poses to draw, back to front: each `{ points, color, width }` with
   * `points` = x, y, z per joint. `center` and `radius` frame them (the
   * caller keeps the radius fixed while only a rotation changes, so the view
   * does not jump); `floor` is a grid as line segments [[x, y, z], [x, y, z]].
   */
  setScene({ layers, center, radius, floor = [] }) {
    this.layers = layers;
    this.center = center;
    this.radius = radius > 0 ? radius : 1;
    this.floor = floor;
    this.message = '';
    this.draw();
  }

  /** Clears the poses and shows a line of text instead. */
  showMessage(text) {
    this.layers = [];
    this.floor = [];
    this.message = text;
    this.draw();
  }

  #listen() {
    const c = this.canvas;
    let last = null;
    c.addEventListener('pointerdown', (e) => {
      last = [e.clientX, e.clientY];
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener('pointermove', (e) => {
      if (!last) return;
      const [dx, dy] = [e.clientX - last[0], e.clientY - last[1]];
      last = [e.clientX, e.clientY];
      this.yaw += dx * 0.01;
      this.pitch = Math.max(-MAX_PITCH, Math.min(MAX_PITCH, this.pitch + dy * 0.01));
      this.draw();
    });
    const stop = () => (last = null);
    c.addEventListener('pointerup', stop);
    c.addEventListener('pointercancel', stop);
    c.addEventListener('dblclick', () => this.resetView());
    c.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        this.zoom = Math.max(0.3, Math.min(5, this.zoom * Math.exp(-e.deltaY * 0.001)));
        this.draw();
      },
      { passive: false },
    );
  }

  /** A direction in camera coordinates: x right, y up, z towards the viewer. */
  #turn(x, y, z) {
    const [cy, sy, cp, sp] = [Math.cos(this.yaw), Math.sin(this.yaw), Math.cos(this.pitch), Math.sin(this.pitch)];
    const x1 = cy * x + sy * z;
    const z1 = -sy * x + cy * z;
    return [x1, cp * y - sp * z1, sp * y + cp * z1];
  }

  /** Canvas pixel of a world point. */
  #project(x, y, z, frame) {
    const [c0, c1, c2] = this.center;
    const [u, v, w] = this.#turn(x - c0, y - c1, z - c2);
    const distance = CAMERA_DISTANCE * this.radius;
    const f = distance / Math.max(distance - w, 1e-3 * distance);
    return [frame.cx + frame.scale * u * f, frame.cy - frame.scale * v * f];
  }

  #frame() {
    const dpr = window.devicePixelRatio || 1;
    const { clientWidth: w, clientHeight: h } = this.canvas;
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(h * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
    }
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    // The scene's radius fills 48 % of the shorter side.
    return { w, h, cx: w / 2, cy: h / 2, scale: (0.48 * Math.min(w, h) * this.zoom) / this.radius };
  }

  draw() {
    const ctx = this.ctx;
    const frame = this.#frame();
    ctx.clearRect(0, 0, frame.w, frame.h);
    if (this.message) {
      ctx.fillStyle = '#666';
      ctx.font = '15px sans-serif';
      ctx.textAlign = 'center';
      ctx.fillText(this.message, frame.cx, frame.cy, frame.w - 40);
    }
    this.#drawFloor(frame);
    for (const layer of this.layers) this.#drawSkeleton(layer, frame);
    this.#drawGizmo(frame);
  }

  #drawFloor(frame) {
    const ctx = this.ctx;
    ctx.strokeStyle = '#dfe3e8';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const [a, b] of this.floor) {
      ctx.moveTo(...this.#project(...a, frame));
      ctx.lineTo(...this.#project(...b, frame));
    }
    ctx.stroke();
  }

  #drawSkeleton({ points, color, width }, frame) {
    const ctx = this.ctx;
    const joints = points.length / 3;
    const screen = [];
    for (let j = 0; j < joints; j++) {
      screen.push(this.#project(points[3 * j], points[3 * j + 1], points[3 * j + 2], frame));
    }
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.lineCap = 'round';
    ctx.beginPath();
    for (const [child, parent] of this.edges) {
      if (child >= joints || parent >= joints) continue;
      ctx.moveTo(...screen[child]);
      ctx.lineTo(...screen[parent]);
    }
    ctx.stroke();
    ctx.fillStyle = color;
    for (const [x, y] of screen) {
      ctx.beginPath();
      ctx.arc(x, y, width * 0.9, 0, 2 * Math.PI);
      ctx.fill();
    }
  }

  /** World axes in the lower left corner, turned as the view. */
  #drawGizmo(frame) {
    const ctx = this.ctx;
    const origin = [44, frame.h - 44];
    const length = 28;
    ctx.font = '12px sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.lineWidth = 1.5;
    for (const [name, axis] of [
      ['x', [1, 0, 0]],
      ['y', [0, 1, 0]],
      ['z', [0, 0, 1]],
    ]) {
      const [u, v] = this.#turn(...axis);
      const tip = [origin[0] + length * u, origin[1] - length * v];
      ctx.strokeStyle = '#555';
      ctx.beginPath();
      ctx.moveTo(...origin);
      ctx.lineTo(...tip);
      ctx.stroke();
      ctx.fillStyle = '#333';
      ctx.fillText(name, origin[0] + (length + 9) * u, origin[1] - (length + 9) * v);
    }
  }
}

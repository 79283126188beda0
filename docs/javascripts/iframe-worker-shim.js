/*
 * Web Workers for a site opened from disk (file://).
 *
 * Browsers refuse `new Worker("file:///...")`, so the site's search, which runs in a worker,
 * would never start when the built site is opened from disk. Under file: only, this replaces
 * `Worker` with one that runs the worker script in a hidden iframe of the same page, the idea of
 * squidfunk's iframe-worker. Material's offline plugin would load that from unpkg.com; this
 * local file (its name contains "iframe-worker", so the plugin adds nothing) keeps the site free
 * of network requests. It covers what Material's search worker uses: postMessage both ways and
 * "message" events.
 */
(function () {
  "use strict";
  if (location.protocol !== "file:") {
    return;
  }

  class IFrameWorker extends EventTarget {
    constructor(url) {
      super();
      this.onmessage = null;
      this.onerror = null;
      this._queue = [];
      this._ready = false;
      this._frame = document.createElement("iframe");
      this._frame.hidden = true;
      this._frame.tabIndex = -1;
      this._frame.setAttribute("aria-hidden", "true");
      (document.body || document.documentElement).appendChild(this._frame);

      const inner = this._frame.contentWindow;
      // what the worker script posts comes back to this object, as from a worker
      inner.postMessage = (data) => setTimeout(() => this._emit(data));
      inner.importScripts = (...urls) =>
        urls.reduce((done, src) => done.then(() => this._load(src)), Promise.resolve());
      this._load(new URL(url, location.href).href).then(
        () => {
          this._ready = true;
          this._queue.splice(0).forEach((data) => this._deliver(data));
        },
        () => {
          const event = new Event("error");
          if (this.onerror) this.onerror(event);
          this.dispatchEvent(event);
        },
      );
    }

    _load(src) {
      const inner = this._frame.contentWindow;
      return new Promise((resolve, reject) => {
        const script = inner.document.createElement("script");
        script.src = src;
        script.onload = resolve;
        script.onerror = reject;
        inner.document.head.appendChild(script);
      });
    }

    _deliver(data) {
      const inner = this._frame.contentWindow;
      setTimeout(() => inner.dispatchEvent(new inner.MessageEvent("message", { data })));
    }

    _emit(data) {
      const event = new MessageEvent("message", { data });
      if (this.onmessage) this.onmessage(event);
      this.dispatchEvent(event);
    }

    postMessage(data) {
      if (this._ready) this._deliver(data);
      else this._queue.push(data);
    }

    terminate() {
      this._frame.remove();
    }
  }

  window.IFrameWorker = IFrameWorker;
  window.Worker = IFrameWorker;
})();

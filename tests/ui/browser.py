"""A small W3C WebDriver client (standard library only) for the web view's tests: starts
Debian's chromedriver, which drives Debian's headless chromium. What it offers: open a URL,
run a script, find and click elements, read text, save a screenshot, send Basic credentials
on every request (Chrome DevTools' Network.setExtraHTTPHeaders), and catch alert() calls.
A missing chromium or chromedriver is a failure naming the package, not a skip."""
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from uitest import free_port

CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", shutil.which("chromedriver") or
                              "/usr/bin/chromedriver")
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"

# Runs in every page before its own scripts: alert/confirm/prompt only count, so a handler
# injected through data would be seen (window.__alerts) instead of blocking the session.
# Content-Security-Policy violations are collected too (window.__csp).
TRAP = ("window.__alerts = 0; for (const f of ['alert', 'confirm', 'prompt'])"
        " window[f] = function () { window.__alerts++; return null; };"
        " window.__csp = []; document.addEventListener('securitypolicyviolation', (e) =>"
        " window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")


class WebDriverError(RuntimeError):
    pass


class Browser:
    def __init__(self, width=1400, height=1000):
        for prog, pkg in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
            if not os.access(prog, os.X_OK):
                raise WebDriverError(f"{prog} is missing: install the Debian package '{pkg}' "
                                     "(scripts/setup.sh does)")
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        # chromium leaves its org.chromium.Chromium.* folders in TMPDIR (and chromedriver its
        # profile): a private TMPDIR, removed by quit(), keeps /tmp clean
        self.tmp = tempfile.mkdtemp(prefix="ballast-chromium.")
        env = dict(os.environ, TMPDIR=self.tmp)
        self.proc = subprocess.Popen([CHROMEDRIVER, f"--port={port}"], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                if self._call("GET", "/status")["ready"]:
                    break
            except OSError:
                time.sleep(0.1)
        args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}", "--hide-scrollbars"]
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "unhandledPromptBehavior": "ignore",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args}}}}
        self.sid = self._call("POST", "/session", caps)["sessionId"]
        self.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": TRAP})

    def _call(self, method, path, body=None, timeout=120):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read())["value"]
        except urllib.error.HTTPError as e:
            v = json.loads(e.read()).get("value", {})
            raise WebDriverError(f"{method} {path}: {v.get('error')}: "
                                 f"{str(v.get('message'))[:500]}") from None

    def cmd(self, method, path, body=None):
        return self._call(method, f"/session/{self.sid}{path}", body)

    def cdp(self, command, params=None):
        return self.cmd("POST", "/goog/cdp/execute", {"cmd": command, "params": params or {}})

    def basic_auth(self, user, password):
        """Sends these credentials on every request from now on."""
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.cdp("Network.enable")
        self.cdp("Network.setExtraHTTPHeaders", {"headers": {"Authorization": "Basic " + token}})

    def get(self, url):
        self.cmd("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def wait(self, script, seconds=30, *args):
        """Polls a script until it returns something truthy; returns that, or None."""
        t0 = time.time()
        while time.time() - t0 < seconds:
            v = self.js(script, *args)
            if v:
                return v
            time.sleep(0.1)
        return None

    def find(self, css):
        """The elements matching css (WebDriver references)."""
        return self.cmd("POST", "/elements", {"using": "css selector", "value": css})

    def click(self, css):
        """Clicks the first element matching css; looked up again when the page redrew it
        between the lookup and the click (pages that poll redraw their tables)."""
        for attempt in range(3):
            els = self.find(css)
            if not els:
                raise WebDriverError(f"no element {css}")
            try:
                self.cmd("POST", f"/element/{els[0][ELEMENT]}/click", {})
                return
            except WebDriverError as e:
                if "stale" not in str(e) or attempt == 2:
                    raise

    def metrics(self):
        """Chrome's page metrics (Performance.getMetrics) as a dict: ThreadTime is the CPU
        time of the page's main thread, TaskDuration its busy wall time, in seconds."""
        self.cdp("Performance.enable")
        return {m["name"]: m["value"] for m in self.cdp("Performance.getMetrics")["metrics"]}

    def alert_open(self):
        try:
            self.cmd("GET", "/alert/text")
            return True
        except WebDriverError:
            return False

    def screenshot(self, path, max_height=4000):
        """The whole page (up to max_height CSS pixels), the window grown to hold it."""
        m = self.cdp("Page.getLayoutMetrics")["cssContentSize"]
        w, h = int(m["width"]), int(min(m["height"], max_height))
        self.cdp("Emulation.setDeviceMetricsOverride",
                 {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": False})
        try:
            shot = self.cdp("Page.captureScreenshot", {"format": "png"})
        finally:
            self.cdp("Emulation.clearDeviceMetricsOverride")
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    def quit(self):
        try:
            self.cmd("DELETE", "")
        except (OSError, WebDriverError):
            pass
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

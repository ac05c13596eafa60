#!/usr/bin/env python3
# uboot.py - unmodified firmware on $RHYVE: Debian's OpenSBI (fw_jump,
# fw_dynamic) and Debian's U-Boot (qemu-riscv64_smode in S-mode,
# qemu-riscv64 in M-mode), driven at the U-Boot prompt through the
# console on a pipe, as a user would type.
#
# Boots, each -M virt -smp 4 (unless said) -m 256M -nographic:
#   jump     -bios fw_jump.bin -kernel smode/u-boot.bin: OpenSBI sees 4
#            harts; at "=>" `version`, `cpu list` (4 CPUs), `sbi`
#            (OpenSBI underneath), `coninfo`; `poweroff` ends it with 0
#   disk     -bios fw_dynamic.bin -kernel smode/u-boot.bin with a raw
#            virtio-blk disk (2048 sectors; sector N starts with
#            "rhyve sector NNNN" and goes on with a pattern of N):
#            `virtio scan`, `virtio info` (2048 x 512), `virtio read` of
#            sectors 3-4 and `md.b` shows their bytes, a write of a
#            filled block to sector 7 and to the last sector read back
#            and compared (`cmp.b`), reads and writes past the end fail
#            with an error (the prompt comes back); `poweroff`, then the
#            host sees exactly sectors 7 and 2047 changed
#   mmode    -bios none -kernel qemu-riscv64/u-boot.bin (U-Boot in
#            M-mode): `version`, `cpu list`; `reset` with -no-reboot ends
#            it with 0
#   builtin  no -bios (rhyve's own SBI) -kernel smode/u-boot.bin:
#            `sbi` lists the base, timer, IPI, RFENCE, HSM and SRST
#            extensions, `cpu list`; a fresh copy of the disk, readonly=on
#            on a version 2 transport (force-legacy=false): reads work,
#            `virtio write` fails with an error; `poweroff` ends it with
#            0 and the image is unchanged
#   reboot   -smp 2 -bios fw_jump.bin -kernel smode/u-boot.bin with a
#            writable virtio-blk disk and NO -no-reboot: `reset` at "=>"
#            reboots the machine in place (OpenSBI's banner and U-Boot's
#            prompt come a second time, the process stays), then
#            `virtio scan` + `virtio info` find the disk again (2048 x
#            512) and `poweroff` ends it with 0
# One line per check: "ok NAME" or "FAIL NAME: why".
#
# Validating the expectations: RHYVE=qemu-system-riscv64 runs the same
# boots with the same arguments on QEMU.  QEMU has no built-in SBI and
# its default -bios is its own OpenSBI, so there the builtin boot passes
# -bios fw_dynamic.bin explicitly and skips the builtin/not-opensbi
# check.
#
# U-Boot's autoboot (bootdelay 2) is stopped by a key sent when the
# countdown shows; if the key comes late, the distro boot finds nothing
# bootable (no partition table, no network) and the prompt comes anyway.
#
# Env: RHYVE (default build/rhyve), UBOOT_TMO (seconds to the prompt,
# default 120).  Exit 0 pass, 77 skip (no firmware), 1 fail.
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

RHYVE = os.environ.get('RHYVE', 'build/rhyve')
OPENSBI = '/usr/lib/riscv64-linux-gnu/opensbi/generic'
FW_JUMP = OPENSBI + '/fw_jump.bin'
FW_DYNAMIC = OPENSBI + '/fw_dynamic.bin'
UB_SMODE = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin'
UB_MMODE = '/usr/lib/u-boot/qemu-riscv64/u-boot.bin'
BOOT_TMO = float(os.environ.get('UBOOT_TMO', '120'))
CMD_TMO = 30.0
EXIT_TMO = 30.0
SECTORS = 2048
PROMPT = '\n=> '

IS_QEMU = 'qemu' in os.path.basename(RHYVE)
failures = 0


def check(name, ok, why=''):
	"""Print one verdict line; count failures."""
	global failures
	if ok:
		print('ok ' + name, flush=True)
	else:
		failures += 1
		print('FAIL %s: %s' % (name, why), flush=True)
	return ok


class Failed(Exception):
	"""A boot cannot go on (no prompt, the machine died)."""


class Guest:
	"""$RHYVE with the console on pipes; stderr goes to a file."""

	def __init__(self, name, args, tmp, smp=4):
		self.name = name
		self.errpath = os.path.join(tmp, name + '.stderr')
		self.err = open(self.errpath, 'wb')
		self.argv = [RHYVE, '-M', 'virt', '-smp', str(smp),
		    '-m', '256M', '-nographic'] + args
		self.p = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
		    stdout=subprocess.PIPE, stderr=self.err,
		    start_new_session=True)
		self.out = ''		# all output so far, \r\n as \n
		self.pos = 0		# where the next expect() looks from
		self.eof = False
		self.rc = None

	def _pump(self, limit):
		"""Read what there is for up to 'limit' seconds."""
		if self.eof:
			return
		r, _, _ = select.select([self.p.stdout], [], [], max(limit, 0))
		if not r:
			return
		data = os.read(self.p.stdout.fileno(), 65536)
		if not data:
			self.eof = True
			return
		self.out += data.decode('latin-1').replace('\r', '')

	def expect(self, pattern, tmo):
		"""Wait for regex 'pattern' after self.pos; return the match."""
		rx = re.compile(pattern)
		end = time.monotonic() + tmo
		while True:
			m = rx.search(self.out, self.pos)
			if m:
				self.pos = m.end()
				return m
			left = end - time.monotonic()
			if self.eof or left <= 0:
				why = 'machine exited' if self.eof else \
				    'timed out after %.0f s' % tmo
				raise Failed('%s waiting for %r; last output: %r' %
				    (why, pattern, self.out[-300:]))
			self._pump(left)

	def send(self, text):
		try:
			self.p.stdin.write(text.encode())
			self.p.stdin.flush()
		except BrokenPipeError:
			raise Failed('console closed while sending %r' % text)

	def boot(self):
		"""To the prompt, stopping the autoboot countdown."""
		m = self.expect(r'Hit any key to stop autoboot|\n=> ',
		    BOOT_TMO)
		if m.group(0).startswith('Hit'):
			self.send(' ')
			self.expect(PROMPT, BOOT_TMO)

	def cmd(self, line, tmo=CMD_TMO):
		"""Type 'line', return its output up to the next prompt."""
		start = len(self.out)
		self.send(line + '\r')
		self.pos = start
		begin = self.expect(re.escape(line) + r'\n', tmo).end()
		# The echo's newline may be the one before the next prompt.
		self.pos = begin - 1
		end = self.expect(PROMPT, tmo).start()
		return self.out[begin:end + 1]

	def wait_exit(self, tmo=EXIT_TMO):
		"""Read to EOF and reap; return the exit status or None."""
		end = time.monotonic() + tmo
		while not self.eof and time.monotonic() < end:
			self._pump(end - time.monotonic())
		try:
			self.rc = self.p.wait(max(end - time.monotonic(), 0.1))
		except subprocess.TimeoutExpired:
			return None
		return self.rc

	def stderr(self):
		self.err.flush()
		with open(self.errpath, 'rb') as f:
			return f.read().decode('latin-1')

	def close(self):
		"""Kill what is left of the machine (its own session)."""
		if self.p.poll() is None:
			try:
				os.killpg(self.p.pid, signal.SIGKILL)
			except ProcessLookupError:
				pass
			self.p.wait()
		for f in (self.p.stdin, self.p.stdout, self.err):
			try:
				f.close()
			except OSError:
				pass


def ends_with(g, name, line, status=0):
	"""Type 'line' (poweroff/reset): the machine ends with 'status'."""
	g.send(line + '\r')
	rc = g.wait_exit()
	if rc is None:
		check(name, False, '%r: still running after %.0f s; output: %r' %
		    (line, EXIT_TMO, g.out[-300:]))
	else:
		check(name, rc == status, '%r: exit status %d, stderr: %r' %
		    (line, rc, g.stderr()[-300:]))


def cpu_list(g, name):
	out = g.cmd('cpu list')
	cpus = re.findall(r'^\s*(\d+): cpu@(\d+)\s+rv64\S+', out, re.M)
	check(name, [c[0] for c in cpus] == ['0', '1', '2', '3'],
	    'expected CPUs 0-3 (rv64...), got %r' % out)


def version(g, name):
	out = g.cmd('version')
	check(name, re.search(r'^U-Boot 20\d\d\.\d\d', out, re.M) is not None,
	    'no U-Boot version in %r' % out)


def sector(n):
	"""The host's content of sector n of the test disk."""
	head = (b'rhyve sector %04d' % n)[:16]
	return head + bytes((n * 7 + j * 13 + 1) & 0xff
	    for j in range(512 - len(head)))


def md_bytes(out):
	"""The bytes an `md.b` output shows, and the first address."""
	data = bytearray()
	first = None
	for m in re.finditer(r'^([0-9a-f]{8,16}):((?: [0-9a-f]{2}){1,16})',
	    out, re.M):
		if first is None:
			first = int(m.group(1), 16)
		data += bytes(int(x, 16) for x in m.group(2).split())
	return first, bytes(data)


def run(name, args, tmp, body, smp=4):
	"""Boot with 'args', run 'body(g)' at the prompt, clean up."""
	g = Guest(name, args, tmp, smp)
	try:
		try:
			g.boot()
			check(name + '/prompt', True)
		except Failed as e:
			check(name + '/prompt', False, str(e) +
			    '; stderr: %r' % g.stderr()[-300:])
			return g
		body(g)
	except Failed as e:
		check(name + '/session', False, str(e) +
		    '; stderr: %r' % g.stderr()[-300:])
	finally:
		g.close()
	return g


def t_jump(g):
	check('jump/opensbi-4-harts',
	    re.search(r'Platform HART Count\s*: 4\b', g.out) is not None and
	    re.search(r'Domain0 HARTs\s*: 0\*,1\*,2\*,3\*', g.out) is not None,
	    'OpenSBI did not report 4 harts: %r' % g.out[:1500])
	check('jump/dram', re.search(r'DRAM:\s+256 MiB', g.out) is not None,
	    'U-Boot did not see 256 MiB')
	version(g, 'jump/version')
	cpu_list(g, 'jump/cpu-list')
	out = g.cmd('sbi')
	check('jump/sbi', re.search(r'^OpenSBI \d', out, re.M) is not None and
	    'Hart State Management Extension' in out,
	    'no OpenSBI/HSM in %r' % out)
	out = g.cmd('coninfo')
	check('jump/coninfo', re.search(r'serial@10000000.*stdin stdout stderr',
	    out) is not None, 'the UART is not the console: %r' % out)
	ends_with(g, 'jump/poweroff', 'poweroff')


def make_disk(path):
	with open(path, 'wb') as f:
		for n in range(SECTORS):
			f.write(sector(n))


def t_dynamic(g, disk):
	out = g.cmd('printenv loadaddr')
	m = re.search(r'loadaddr=(0x[0-9a-fA-F]+)', out)
	if not check('disk/loadaddr', m is not None, 'got %r' % out):
		return
	la = int(m.group(1), 16)
	out = g.cmd('virtio scan')
	check('disk/scan', 'rror' not in out, 'got %r' % out)
	out = g.cmd('virtio info')
	check('disk/info', re.search(r'Device 0: .*Block Device', out) and
	    re.search(r'Capacity: .*\(%d x 512\)' % SECTORS, out),
	    'expected device 0 of %d x 512, got %r' % (SECTORS, out))
	# U-Boot's block numbers and counts are hexadecimal.
	out = g.cmd('virtio read 0x%x 3 2' % la)
	check('disk/read', '2 blocks read: OK' in out, 'got %r' % out)
	out = g.cmd('md.b 0x%x 0x20' % la)
	a, b = md_bytes(out)
	check('disk/md-sector3', a == la and b == sector(3)[:32],
	    'expected %s at 0x%x, got %r' % (sector(3)[:32].hex(), la, out))
	out = g.cmd('md.b 0x%x 0x20' % (la + 0x1f0))
	a, b = md_bytes(out)
	check('disk/md-sector3-4', a == la + 0x1f0 and
	    b == sector(3)[0x1f0:] + sector(4)[:0x10],
	    'expected the end of sector 3 and start of 4, got %r' % out)
	# A block to write: 0xc3 with one word at the front.
	g.cmd('mw.b 0x%x 0xc3 0x200' % la)
	g.cmd('mw.l 0x%x 0x12345678 1' % la)
	out = g.cmd('virtio write 0x%x 7 1' % la)
	check('disk/write', '1 blocks written: OK' in out, 'got %r' % out)
	out = g.cmd('virtio write 0x%x 0x%x 1' % (la, SECTORS - 1))
	check('disk/write-last', '1 blocks written: OK' in out,
	    'got %r' % out)
	back = la + 0x10000
	g.cmd('mw.b 0x%x 0 0x400' % back)
	out = g.cmd('virtio read 0x%x 7 1' % back)
	out += g.cmd('cmp.b 0x%x 0x%x 0x200' % (la, back))
	check('disk/read-back', 'Total of 512 byte(s) were the same' in out,
	    'got %r' % out)
	for what, line in (('read', 'virtio read 0x%x 0x%x 1'),
	    ('write', 'virtio write 0x%x 0x%x 1')):
		out = g.cmd(line % (back, SECTORS))
		check('disk/%s-past-end' % what, 'ERROR' in out and
		    ': OK' not in out, 'expected an error, got %r' % out)
	out = g.cmd('virtio read 0x%x 0x%x 2' % (back, SECTORS - 1))
	check('disk/read-across-end', 'ERROR' in out and ': OK' not in out,
	    'expected an error, got %r' % out)
	ends_with(g, 'disk/poweroff', 'poweroff')
	if g.rc != 0:
		return
	written = b'\x78\x56\x34\x12' + b'\xc3' * 508
	with open(disk, 'rb') as f:
		img = f.read()
	bad = [n for n in range(SECTORS) if img[n * 512:(n + 1) * 512] !=
	    (written if n in (7, SECTORS - 1) else sector(n))]
	check('disk/host-image', len(img) == SECTORS * 512 and not bad,
	    'size %d, sectors not as expected: %r' % (len(img), bad[:10]))


def t_mmode(g):
	version(g, 'mmode/version')
	cpu_list(g, 'mmode/cpu-list')
	ends_with(g, 'mmode/reset-no-reboot', 'reset')


def t_builtin(g, disk):
	out = g.cmd('sbi')
	want = ('Timer Extension', 'IPI Extension', 'RFENCE Extension',
	    'Hart State Management Extension', 'System Reset Extension')
	missing = [w for w in want if w not in out]
	check('builtin/sbi', re.search(r'SBI [0-9]+\.[0-9]+', out) and
	    not missing, 'missing %r in %r' % (missing, out))
	if not IS_QEMU:
		check('builtin/not-opensbi', 'OpenSBI' not in out,
		    'OpenSBI answered, not the built-in SBI: %r' % out)
	cpu_list(g, 'builtin/cpu-list')
	version(g, 'builtin/version')
	la = 0x80200000
	out = g.cmd('virtio scan')
	out += g.cmd('virtio info')
	check('builtin/ro-info', re.search(r'Capacity: .*\(%d x 512\)' %
	    SECTORS, out), 'expected %d x 512, got %r' % (SECTORS, out))
	g.cmd('mw.b 0x%x 0x11 0x200' % la)
	out = g.cmd('virtio write 0x%x 7 1' % la)
	check('builtin/ro-write-fails', 'ERROR' in out and ': OK' not in out,
	    'expected an error, got %r' % out)
	out = g.cmd('virtio read 0x%x 7 1' % la)
	out += g.cmd('md.b 0x%x 0x20' % la)
	a, b = md_bytes(out)
	check('builtin/ro-read', '1 blocks read: OK' in out and
	    b == sector(7)[:32], 'expected %s, got %r' %
	    (sector(7)[:32].hex(), out))
	ends_with(g, 'builtin/poweroff', 'poweroff')
	if g.rc != 0:
		return
	ok = True
	with open(disk, 'rb') as f:
		for n in range(SECTORS):
			ok = ok and f.read(512) == sector(n)
	check('builtin/ro-host-image', ok, 'the read-only image changed')


def t_reboot(g):
	# The whole machine restarts: firmware first, then U-Boot again.
	g.send('reset\r')
	try:
		g.expect(r'OpenSBI v\d', BOOT_TMO)
		g.boot()
	except Failed as e:
		check('reboot/second-prompt', False, '%s; exit status %r, '
		    'stderr: %r' % (e, g.p.poll(), g.stderr()[-300:]))
		return
	check('reboot/second-prompt', g.p.poll() is None and
	    len(re.findall(r'^U-Boot 20\d\d', g.out, re.M)) == 2,
	    'expected two U-Boot banners in one process, got %r' % g.out[-600:])
	check('reboot/two-harts', re.findall(r'Platform HART Count\s*: (\d+)',
	    g.out) == ['2', '2'], 'OpenSBI did not see 2 harts twice')
	out = g.cmd('virtio scan')
	out += g.cmd('virtio info')
	check('reboot/disk-again', re.search(r'Device 0: .*Block Device', out)
	    and re.search(r'Capacity: .*\(%d x 512\)' % SECTORS, out),
	    'expected device 0 of %d x 512 after the reset, got %r' %
	    (SECTORS, out))
	ends_with(g, 'reboot/poweroff', 'poweroff')


def on_signal(signum, frame):
	# run()'s finally kills the machine on the way out.
	raise SystemExit(128 + signum)


def main():
	for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
		signal.signal(sig, on_signal)
	if shutil.which(RHYVE) is None:
		print('uboot.py: skip: no rhyve binary at %s' % RHYVE)
		return 77
	missing = [f for f in (FW_JUMP, FW_DYNAMIC, UB_SMODE, UB_MMODE)
	    if not os.path.isfile(f)]
	if missing:
		print('uboot.py: skip: no %s (Debian opensbi, u-boot-qemu)' %
		    ', '.join(missing))
		return 77
	tmp = tempfile.mkdtemp(prefix='rhyve-uboot.')
	try:
		run('jump', ['-bios', FW_JUMP, '-kernel', UB_SMODE], tmp,
		    t_jump)
		disk = os.path.join(tmp, 'disk.img')
		make_disk(disk)
		run('disk', ['-bios', FW_DYNAMIC, '-kernel', UB_SMODE,
		    '-drive', 'file=%s,format=raw,if=none,id=hd0' % disk,
		    '-device', 'virtio-blk-device,drive=hd0'], tmp,
		    lambda g: t_dynamic(g, disk))
		run('mmode', ['-bios', 'none', '-kernel', UB_MMODE,
		    '-no-reboot'], tmp, t_mmode)
		# QEMU has no built-in SBI: give it OpenSBI to compare.
		sbi = ['-bios', FW_DYNAMIC] if IS_QEMU else []
		rodisk = os.path.join(tmp, 'ro.img')
		make_disk(rodisk)
		run('builtin', sbi + ['-kernel', UB_SMODE,
		    '-global', 'virtio-mmio.force-legacy=false',
		    '-drive', 'file=%s,format=raw,if=none,id=ro,readonly=on' %
		    rodisk, '-device', 'virtio-blk-device,drive=ro'], tmp,
		    lambda g: t_builtin(g, rodisk))
		rwdisk = os.path.join(tmp, 'rw.img')
		make_disk(rwdisk)
		run('reboot', ['-bios', FW_JUMP, '-kernel', UB_SMODE,
		    '-drive', 'file=%s,format=raw,if=none,id=rw' % rwdisk,
		    '-device', 'virtio-blk-device,drive=rw'], tmp, t_reboot,
		    smp=2)
	finally:
		shutil.rmtree(tmp, ignore_errors=True)
	print('uboot.py: %s' % ('%d failed' % failures if failures else
	    'all passed'))
	return 1 if failures else 0


if __name__ == '__main__':
	sys.exit(main())

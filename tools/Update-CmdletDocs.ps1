<#
.SYNOPSIS
    Writes docs/cmdlets/*.md in the PlatyPS schema from the live cmdlet metadata.
.DESCRIPTION
    For machines without PlatyPS (build.ps1 -Task Docs uses PlatyPS where it is installed).
    SYNTAX and PARAMETERS come from Get-Command, so they cannot drift from the code; the prose
    is kept in the tables below. Run it with the module imported, e.g.:
        dotnet pwsh -NoProfile -Command 'Import-Module ./out/UserNsContainer; ./tools/Update-CmdletDocs.ps1 docs/cmdlets'
#>
param([string] $OutDir = "$PSScriptRoot/../docs/cmdlets")
$common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
$prose = @{
 'Invoke-UserNsContainer' = @{
  Synopsis = 'Runs a command in a fresh user-namespace container in the foreground, then removes the container.'
  Description = "Creates a container (by default: new user, mnt, pid, ipc, uts, net and cgroup namespaces; the caller mapped to root; the host's / bound read-only with fresh /proc, /dev, /tmp and /run), runs -Command in it and removes it when the command ends, like bwrap, ch-run or Guix's call-with-container.`n`nIt behaves like a native command (about_UserNsContainer_NativeParity has the table, row by row). Pipeline input is the command's stdin: strings as lines, bytes and byte[] as they are, other objects as Out-String shows them, streamed with back-pressure and closed (EOF) at the end; -RedirectStandardInput reads a file instead. Without either, stdin is empty (at EOF): a container never gets a descriptor of the caller's own stdin. Standard output lines flow into the pipeline as strings as they arrive; -AsByteStream emits byte[] chunks instead, and -RedirectStandardOutput and -RedirectStandardError write the exact bytes into files. Standard error goes where a native command's would: straight to the process's stderr when PowerShell would not redirect it, otherwise as error records of the native kind (NativeCommandError) that 2>&1, 2>`$null, 2>file and -ErrorVariable capture and that never make a run fail. The exit code lands in `$LASTEXITCODE (128+N when signal N ended the command; 125 when the container could not be made); a non-zero exit sets `$? to False, and with `$PSNativeCommandUseErrorActionPreference it raises ProgramExitedWithNonZeroCode, as a native command's does. Bare words after the cmdlet's own parameters are the command (Invoke-UserNsContainer -RootFs ./r ls -la /); a word that PowerShell reads as one of the cmdlet's parameters (-c for -Command, -l for -Limit, -p) needs -- before the command, since PowerShell gives a cmdlet no raw arguments. At a console, a command whose output goes straight to the screen gets the terminal (a shell, an editor), as native commands do; without -Command that is /bin/sh.`n`nThe container dies with the PowerShell process that runs it. Ctrl+C sends SIGINT, as a terminal would; a command still running 3 s later gets SIGTERM, and 3 s after that SIGKILL. Bad input is refused before anything is created, and a failed setup step reports the step, operation, path and errno, leaving nothing behind."
  Examples = @(
   @('Invoke-UserNsContainer -Command sh, -c, ''id; cat /proc/self/uid_map''', 'Shows that the caller is root inside, mapped from its own uid (size 1).'),
   @('Invoke-UserNsContainer -RootFs ./rootfs -Bind ./src:/src -WorkingDirectory /src -Environment @{ LANG = ''C.UTF-8'' } -Command ./build.sh', 'Runs ./build.sh from the host directory ./src, bound at /src, in a directory root file system, with one extra environment variable. A relative command is found from -WorkingDirectory, as exec finds it.'),
   @('$h = Invoke-UserNsContainer -PassThru -Command sh, -c, ''exit 3''; $h.ExitCode', 'Emits the finished handle after the output; its ExitCode is 3, as is $LASTEXITCODE.'),
   @('''beta'', ''alpha'' | Invoke-UserNsContainer sort', 'Feeds two lines to sort inside the container, which prints alpha, then beta.'),
   @('Invoke-UserNsContainer -RedirectStandardOutput ./etc.tar -- tar -cf - -C / etc/hostname
Get-Content -AsByteStream -Raw ./etc.tar | Invoke-UserNsContainer -- tar -tvf -', 'Writes a tar stream of the container''s /etc/hostname into ./etc.tar, byte for byte, then feeds the archive''s bytes to tar inside another container, which lists it.'),
   @('Invoke-UserNsContainer -JoinTag job42 -JoinCount 4 -Bind ./job:/job -WorkingDirectory /job -Command ./rank.sh', 'Run in four processes (four ranks of a job): all four share one container; the last one out removes it.'),
   @('Invoke-UserNsContainer -RootFs ./rootfs -Network Private -Dns 9.9.9.9 -Command sh, -c, ''ip -4 route; cat /etc/resolv.conf''', 'Runs in a private network joined to the outside by pasta, with 9.9.9.9 as its resolver.'),
   @('Invoke-UserNsContainer -Image busybox -WriteFake -Command sh, -c, ''echo scratch > /etc/motd; cat /etc/motd''', 'Runs in a container of the imported image busybox:latest (Import-ContainerImage); the write goes to a throw-away overlay, and the image stays as imported.'),
   @('srun -N 2 --ntasks-per-node=4 pwsh -NoProfile -Command ''Invoke-UserNsContainer -Join -RootFs /shared/images/app.sqfs -Command /app/rank''', 'Under Slurm: the four tasks on each node share one container made from a SquashFS image on a shared filesystem; each node has its own, and each job step its own (docs/slurm.md in the project).'))
  Inputs = 'System.Object'; InputsText = 'Anything, for the command''s stdin (strings as lines, bytes raw); an image from Get-ContainerImage is the image to run instead. A root file system path by property name (RootFs).'
  Outputs = 'System.String, System.Byte[], UserNsContainer.ContainerHandle'; OutputsText = 'One string per line of the container''s standard output (with -AsByteStream, byte[] chunks); with -PassThru, the finished container''s handle.' }
 'New-UserNsContainer' = @{
  Synopsis = 'Creates a long-lived, detached container and returns its handle at once.'
  Description = "Creates and starts a container that outlives the PowerShell process: it runs in its own session, its standard output and error go to a bounded log that Get-UserNsContainerLog reads (1 MiB, then the file moves aside once: at most about 2 MiB are kept), and any pwsh process of the same user can find it with Get-UserNsContainer.`n`nWith -Command that program is the main process; the container exits when it does. Without -Command the init idles until the container is stopped, so commands can be entered later. With -NoStart the handle is returned in state Created: the namespaces exist and the init waits before any mount, so id maps and binds can still be set; Start-UserNsContainer releases it (from the same PowerShell process)."
  Examples = @(
   @('$c = New-UserNsContainer -Name web -RootFs ./rootfs -Command httpd, -f', 'Starts a detached container named web.'),
   @('New-UserNsContainer -NoStart -Command /bin/true | Start-UserNsContainer -PassThru', 'Creates a container in state Created, then starts it.'),
   @('$web = New-UserNsContainer -RootFs ./rootfs -Bind ./site:/srv:ro -Network Private -Publish 18080:80 -Command httpd, -f, -p, 80, -h, /srv
$web.Ports', 'Serves ./site from a web server listening on port 80 inside its own network (root inside owns it), published on the host as 127.0.0.1:18080.'))
  Inputs = 'System.String'; InputsText = 'A root file system path, by property name (RootFs); an image from Get-ContainerImage, by property name (Reference).'
  Outputs = 'UserNsContainer.ContainerHandle'; OutputsText = 'The new container''s handle.' }
 'Start-UserNsContainer' = @{
  Synopsis = 'Starts a container created with New-UserNsContainer -NoStart.'
  Description = 'Writes the container''s id maps (unless already written), then releases the init: mounts, pivot_root, exec of the main process. Only a container in state Created can be started, and only from the PowerShell process that created it.'
  Examples = @(@('New-UserNsContainer -NoStart -Command sleep, 60 | Start-UserNsContainer -PassThru', 'Starts a parked container and passes its handle on.'))
  Inputs = 'UserNsContainer.ContainerHandle'; InputsText = 'Handles by value; Id or Name by property name.'
  Outputs = 'UserNsContainer.ContainerHandle'; OutputsText = 'With -PassThru, the started container.' }
 'Get-UserNsContainer' = @{
  Synopsis = 'Lists the current user''s containers, from any PowerShell process.'
  Description = 'Reads the per-user state directory ($XDG_RUNTIME_DIR/usernscontainer, else /run/usernscontainer for root or /tmp/usernscontainer-UID) and returns a fresh handle per container, with State and ExitCode recomputed from the live processes. Records of foreground or never-started containers whose PowerShell process died are cleaned away.'
  Examples = @(
   @('Get-UserNsContainer', 'Lists every container of the current user as a table.'),
   @('Get-UserNsContainer -Name build-* | Where-Object State -eq Exited | Remove-UserNsContainer', 'Removes the exited containers whose names start with build-.'))
  Inputs = 'System.String'; InputsText = 'Name or Id by property name.'
  Outputs = 'UserNsContainer.ContainerHandle'; OutputsText = 'One handle per container.' }
 'Wait-UserNsContainer' = @{
  Synopsis = 'Waits until containers have exited and returns their handles.'
  Description = 'Waits on the container''s monitor process (through a pidfd, so a reused pid cannot confuse it) and returns the handle with State Exited and ExitCode set. With -Timeout, a container still running after that many seconds gets a WaitTimeout error. Ctrl+C ends the wait and leaves the container running, as Wait-Process, Wait-Job and podman wait do. When Wait returns, every line the container wrote is in its log.'
  Examples = @(@('New-UserNsContainer -Command sh, -c, ''exit 4'' | Wait-UserNsContainer | ForEach-Object ExitCode', 'Prints 4.'))
  Inputs = 'UserNsContainer.ContainerHandle'; InputsText = 'Handles by value; Id or Name by property name.'
  Outputs = 'UserNsContainer.ContainerHandle'; OutputsText = 'The exited container.' }
 'Get-UserNsContainerLog' = @{
  Synopsis = 'Gets the output of detached containers from their logs, as podman logs does: stdout lines as strings, stderr lines as errors.'
  Description = "The monitor of a detached container writes each line it reads from the container's stdout and stderr as one record (k8s-file format: time, stream, line), so the log keeps which stream each line came from and when. Standard output lines come back as strings, standard error lines as error records of the native kind (2>&1, -ErrorVariable) or, when PowerShell would not redirect them, on this process's stderr. -Tail shows only the last lines, -Since and -Until a time window, -Timestamps puts the time in front of each line. -Follow keeps reading until the container has exited (or Ctrl+C, which ends the reading, not the container). The log is bounded: past 1 MiB the file moves aside once (the older half is kept, read first), so at most about 2 MiB of the most recent output are kept. Every line is in the log by the time the container shows Exited and Wait-UserNsContainer returns. A foreground container (Invoke-UserNsContainer) has no log: its output went to its caller (NoLog)."
  Examples = @(
   @('$c = New-UserNsContainer -Command sh, -c, ''echo out; echo err >&2''; $null = $c | Wait-UserNsContainer; $c | Get-UserNsContainerLog -Timestamps 2>&1', 'Shows both lines with their times; the second is an error record.'),
   @('$c = New-UserNsContainer -Command sh, -c, ''for i in 1 2 3; do echo tick $i; sleep 1; done''
$c | Get-UserNsContainerLog -Tail 20 -Follow', 'Shows the last 20 lines of the container''s output, then each line as it is written, until the container exits (three seconds later) or Ctrl+C.'))
  Inputs = 'UserNsContainer.ContainerHandle'; InputsText = 'Handles by value; names as strings; Id or Name by property name.'
  Outputs = 'System.String'; OutputsText = 'One string per line of standard output (stderr lines go to the error stream).' }
 'New-UserNsContainerSession' = @{
  Synopsis = 'Opens a PowerShell session (PSSession) inside a container: Invoke-Command, Enter-PSSession, Copy-Item -ToSession and implicit remoting work through it.'
  Description = "Starts the pwsh that runs this cmdlet in server mode (pwsh -s, PowerShell's remoting protocol over its stdin and stdout, as the SSH transport runs it) inside a container, and returns a PSSession whose transport is that process. The session is listed by Get-PSSession and works with Invoke-Command -Session (objects come back typed, errors as ErrorRecords, Ctrl+C stops the remote pipeline), Enter-PSSession (the prompt names the container), Copy-Item -ToSession and -FromSession, Import-Module -PSSession and Import-PSSession, and Remove-PSSession.`n`nWithout a container it takes the parameters of New-UserNsContainer and makes one whose command is the server: the session has the container's identity, namespaces, seccomp filter and limits, and Remove-PSSession ends the container with it (nothing is left once it returns). With -Container, -ContainerId or -ContainerName it enters the server into a running container, as Enter-ContainerNamespace starts a process (the container's environment, working directory and user; -User, -Group, -Environment, -WorkingDirectory and -Limit change them), and Remove-PSSession ends only the server. A container that stops or is removed turns its session Broken, with the reason (the exit, and what the server wrote to stderr) in its state info.`n`npwsh comes from the host: `$PSHOME is bound read-only at /run/usnc-pwsh/home and, for a framework-dependent pwsh (the dotnet tool), the .NET runtime's root at /run/usnc-pwsh/dotnet, so the server is the very version of the client. In a root of its own (-RootFs, -Image) the .NET runtime needs glibc, libstdc++ and OpenSSL 3 there (Debian, Ubuntu, Fedora; not busybox or Alpine): a root without the dynamic loader gives SessionRuntimeMissing before the server starts; one without ICU runs the server with invariant globalization. The server keeps its config, data and cache folders under the container's /tmp. The server is a process of the container: the container can end or impersonate it, so treat what a session returns as the container's output, and import commands (implicit remoting) only from containers you trust.`n`nSessions need PowerShell 7.6 or later (their transport is built against 7.6's public remoting API and loaded on first use); on 7.4 the cmdlet gives SessionNeedsNewerPowerShell and the rest of the module works. They need the cmdlet to run in pwsh itself, not in a program that hosts PowerShell (SessionServerNotFound)."
  Examples = @(
   @('$s = New-UserNsContainerSession -Name sandbox
Invoke-Command -Session $s { $PID; Get-Content /proc/self/uid_map }
Remove-PSSession $s', 'Opens a session in a new container of the host''s root, runs a script block in it (the pid and uid map are the container''s), and removes the session and its container.'),
   @('Set-Content ./notes.txt ''one'', ''two''
$s = New-UserNsContainerSession
Copy-Item ./notes.txt -Destination /tmp/notes.txt -ToSession $s
Invoke-Command -Session $s { (Get-Content /tmp/notes.txt).Count }
Remove-PSSession $s', 'Copies a file into the container''s private /tmp and counts its lines inside: 2.'),
   @('$c = New-UserNsContainer -Name web -Command sh, -c, ''exec sleep 600''
$s = $c | New-UserNsContainerSession
Invoke-Command -Session $s { Get-Process | Select-Object Id, ProcessName }
Remove-PSSession $s; $c | Remove-UserNsContainer -Force', 'Opens a session in a running container and lists its processes as objects; removing the session leaves the container running until it is removed.'),
   @('$s = 1..4 | ForEach-Object { New-UserNsContainerSession }
Invoke-Command -Session $s -ThrottleLimit 4 { [System.Net.Dns]::GetHostName() }
$s | Remove-PSSession', 'Fans one script block out over four containers at once.'))
  Inputs = 'UserNsContainer.ContainerHandle'; InputsText = 'Running containers by value; their Id by property name.'
  Outputs = 'System.Management.Automation.Runspaces.PSSession'; OutputsText = 'One open session per container.' }
 'Stop-UserNsContainer' = @{
  Synopsis = 'Stops containers: SIGTERM to the main process, SIGKILL after -Timeout seconds.'
  Description = 'Sends SIGTERM to the container''s init, which forwards it to the main process (an idle init exits on it), waits up to -Timeout seconds (default 10), then sends SIGKILL to the init, which ends everything in the container''s pid namespace.'
  Examples = @(@('Get-UserNsContainer -Name web | Stop-UserNsContainer -Timeout 2 -PassThru', 'Stops web, giving it two seconds to exit on SIGTERM.'))
  Inputs = 'UserNsContainer.ContainerHandle'; InputsText = 'Handles by value; Id or Name by property name.'
  Outputs = 'UserNsContainer.ContainerHandle'; OutputsText = 'With -PassThru, the stopped container.' }
 'Enter-ContainerNamespace' = @{
  Synopsis = 'Runs a command inside a running container''s namespaces, like nsenter or docker exec.'
  Description = "Starts a helper that opens the target's /proc/PID/ns files, joins the user namespace first, then ipc, uts, net, pid and cgroup, and the mount namespace last (the order the kernel requires; pwsh cannot do it itself because it is multithreaded), skips namespaces already shared, forks after joining the pid namespace, takes the container's user and execs -Command. Like docker and podman exec, the process starts from the container's own -Environment, -WorkingDirectory and -User; -Environment adds or overrides variables, -WorkingDirectory and -User (a uid or a name in the container's /etc/passwd) replace them. Output and exit code behave as with Invoke-UserNsContainer: stdout lines into the pipeline, stderr capturable with 2>&1, the exit code in `$LASTEXITCODE, -PassThru for a result object. At a console, a command whose output goes straight to the screen gets the terminal (a shell, an editor); without -Command that is /bin/sh.`n`nA container that is not running, a pid reused since the handle was made, a program missing in the container, or another user's process (whose namespace files the kernel does not let you open) each give an error that says so. Root may enter any container and becomes its root."
  Examples = @(
   @('Get-UserNsContainer -Name web | Enter-ContainerNamespace -Command hostname', 'Runs hostname inside the web container: web.'),
   @('Enter-ContainerNamespace -ProcessId (Get-UserNsContainer -Name web).Pid -Namespace user, mnt -Command ls, /', 'Joins only the user and mount namespaces of a process (here the init of web; any process of yours, or any as root).'),
   @('Enter-ContainerNamespace -Name web', 'At a console: a shell inside the container on your terminal.'))
  Inputs = 'UserNsContainer.ContainerHandle'; InputsText = 'Handles by value; Id or Name by property name.'
  Outputs = 'System.String, UserNsContainer.Commands.EnterResult'; OutputsText = 'One string per line of standard output; with -PassThru, the result (joined namespaces, exit code).' }
 'Mount-ContainerBind' = @{
  Synopsis = 'Binds a host directory or file into a container: into the plan of a Created one, or live into a running one.'
  Description = "On a Created container (New-UserNsContainer -NoStart) the bind joins the plan and is mounted at Start-UserNsContainer, after the binds given earlier. On a running container it is bound live: a helper joins the container's outer user namespace, clones the source from a private copy of the host's mount tree, makes it read-only there if asked, copies it into the container's nested user namespace (which makes the kernel lock it, so -ReadOnly holds even against root inside), and moves it onto the target.`n`nThe source is resolved on the host as you (symlinks followed as you see them); the target is resolved inside the container root with openat2(RESOLVE_IN_ROOT), so a symlink in the image cannot redirect the bind out of it. A missing target is created as a directory or an empty file to match the source: in an image while it is still writable (at start), under the container's /tmp or /run, but never in the host's root. The container's handle lists its binds (Binds).`n`nA live bind covers what was at the target for processes that look it up afresh; a process whose working directory (or an open directory) is at or under the target keeps seeing the old directory through it, as with any mount: a service started in /srv does not see a bind on /srv until it changes directory again (cd /srv). Bind onto a path no running process is in, or restart the service."
  Examples = @(
   @('New-UserNsContainer -NoStart -RootFs ./rootfs | Mount-ContainerBind -Source ./src -Target /src -ReadOnly -PassThru | Start-UserNsContainer', 'Mounts the sources read-only at start.'),
   @('Get-UserNsContainer -Name web | Mount-ContainerBind -Source /var/cache/apt -Target /tmp/pkgs -ReadOnly', 'Attaches a host directory, read-only, to the running container web. A missing target is made without writing into the image (docs/design.md: overmounts).'))
  Inputs = 'UserNsContainer.ContainerHandle'; InputsText = 'Handles by value; Id or Name by property name.'
  Outputs = 'UserNsContainer.ContainerHandle'; OutputsText = 'With -PassThru, the container.' }
 'Dismount-ContainerBind' = @{
  Synopsis = 'Removes a bind: from a Created container''s plan, or live from a running container.'
  Description = 'Drops the bind at -Target from the plan of a Created container, or detaches a bind that Mount-ContainerBind added to a running container. Binds mounted when the container started are locked by the kernel for the container''s life (that is what makes them hold against root inside); removing one of those is a BindLocked error.'
  Examples = @(@('$c = Get-UserNsContainer -Name web; $c | Mount-ContainerBind -Source /var/cache/apt -Target /tmp/pkgs; $c | Dismount-ContainerBind -Target /tmp/pkgs', 'Binds a directory into the running container web, then detaches it again.'))
  Inputs = 'UserNsContainer.ContainerHandle'; InputsText = 'Handles by value; Id or Name by property name.'
  Outputs = 'UserNsContainer.ContainerHandle'; OutputsText = 'With -PassThru, the container.' }
 'Set-IdMap' = @{
  Synopsis = 'Writes the uid and gid maps of a Created container, or of any process waiting in a fresh user namespace.'
  Description = "Writes /proc/PID/uid_map and gid_map while the container's init waits before any mount (New-UserNsContainer -NoStart), so that Start-UserNsContainer releases a container with these maps. With -ProcessId it maps any process of yours that sits in a user namespace without maps, such as one started by 'unshare --user'.`n`nRoot writes the maps directly. An ordinary user writes a map of only its own id directly (for gids after denying setgroups) and anything else through newuidmap/newgidmap, after checking the ids against /etc/subuid and /etc/subgid. Every refusal names the fix: the exact subuid line to add, the package to install, the setuid bit to set. Maps can be written once; a second, different map is an IdMapAlreadyWritten error."
  Examples = @(
   @('New-UserNsContainer -NoStart -RootFs ./rootfs | Set-IdMap -UidMap 0:100000:65536 -GidMap 0:100000:65536 -PassThru | Start-UserNsContainer', 'As root: a container whose root is host uid 100000.'),
   @('$p = [System.Diagnostics.Process]::Start(''unshare'', ''--user sleep 60''); [System.Threading.Thread]::Sleep(200); Set-IdMap -ProcessId $p.Id -UidMap "0:$(id -u):1" -GidMap "0:$(id -g):1"; $p.Kill()', 'Maps a process that unshare put in a new user namespace, then ends it.'))
  Inputs = 'UserNsContainer.ContainerHandle'; InputsText = 'Handles by value; Id or Name by property name.'
  Outputs = 'UserNsContainer.ContainerHandle'; OutputsText = 'With -PassThru, the container with its maps recorded.' }
 'Get-IdMap' = @{
  Synopsis = 'Reads the id maps of a container or a process, or translates one id through them.'
  Description = 'Returns the uid and gid maps the kernel holds for the container''s init (or, once it has exited, the maps recorded on its handle), or those of any process with -ProcessId. With -HostId it returns the id that host id appears as inside; with -ContainerId, the host id behind an id inside; an id outside the map translates to the overflow id (65534). -Kind Gid translates through the gid map.'
  Examples = @(
   @('Get-UserNsContainer -Name build | Get-IdMap', 'Shows the build container''s maps.'),
   @('New-UserNsContainer -Name mapped -UidMap 0:100000:65536 -GidMap 0:100000:65536 | Get-IdMap -HostId 100005', 'As root (or with the /etc/subuid range 100000:65536): prints 5, the id inside that host uid 100005 appears as.'))
  Inputs = 'UserNsContainer.ContainerHandle'; InputsText = 'Handles by value; Id or Name by property name.'
  Outputs = 'UserNsContainer.Commands.ProcessIdMap, System.UInt32'; OutputsText = 'The maps, or the translated id.' }
 'Test-UserNsSupport' = @{
  Synopsis = 'Checks what this host lets you do with user namespaces, one object per check.'
  Description = "Returns one object per check, each with Name, Status (Pass, Warn, Fail or NotApplicable), Detail and RecommendedAction: the kernel version; whether a user namespace can actually be created (a real probe through the helper, not a file read); user.max_user_namespaces and about how many are in use; how many idle containers the host's limits allow you at once, naming the limit that binds first with its number (user.max_user_namespaces and user.max_mnt_namespaces, two per container; the other namespace kinds; kernel.pid_max and kernel.threads-max, two processes per container; your ulimit -u) and the next ones; kernel.unprivileged_userns_clone and kernel.apparmor_restrict_unprivileged_userns where the kernel has them; your /etc/subuid and /etc/subgid ranges; newuidmap and newgidmap with the setuid bit or file capabilities; overlayfs with userxattr inside a user namespace; squashfuse and /dev/fuse for SquashFS roots; seccomp; pidfd; cgroup v2 and whether your cgroup is delegated. With -Path it also checks whether that filesystem can be idmapped by you, with the same steps an idmapped bind takes (the clone is never attached).`n`nA Fail means a feature cannot work here; a Warn that it works with a limit. The checks never change the host."
  Examples = @(
   @('Test-UserNsSupport', 'Lists every check as a table.'),
   @('if (-not (Test-UserNsSupport -Quiet)) { Test-UserNsSupport | Where-Object Status -eq Fail }', 'In a script: true when no check failed; otherwise the failed checks with their fixes.'),
   @('Test-UserNsSupport -Path /srv/data | Where-Object Name -eq IdmapMount', 'Whether /srv/data can be bound with -Bind @{ Source = ''/srv/data''; Target = ''/data''; IdMap = $true }.'))
  Inputs = 'None'; InputsText = 'Nothing.'
  Outputs = 'UserNsContainer.Engine.SupportCheck, System.Boolean'; OutputsText = 'One object per check; with -Quiet, one boolean.' }
 'Remove-UserNsContainer' = @{
  Synopsis = 'Removes containers, stopping them first if they still run.'
  Description = 'Stops a running container as Stop-UserNsContainer does (with -Force: SIGKILL at once, no grace period), then deletes its state record, exit record, log and name, so the name can be used again.'
  Examples = @(@('Get-UserNsContainer | Remove-UserNsContainer -Force', 'Removes every container of the current user.'))
  Inputs = 'UserNsContainer.ContainerHandle'; InputsText = 'Handles by value; Id or Name by property name.'
  Outputs = 'None'; OutputsText = 'Nothing.' }
 'Import-ContainerImage' = @{
  Synopsis = 'Copies an OCI image (a registry, a docker-archive or oci-archive file, an OCI layout) into your image store and unpacks it, rootless.'
  Description = "Copies the image with skopeo into your per-user store (`$USERNSCONTAINER_IMAGE_DIR, else `$XDG_DATA_HOME/usernscontainer/images, else ~/.local/share/usernscontainer/images; kept 0700) and unpacks it once with umoci unpack --rootless into a root file system that every container of the image shares read-only (-Image on New- and Invoke-UserNsContainer). No daemon and no root: skopeo and umoci run as you.`n`n-Reference takes anything skopeo understands: docker://REGISTRY/NAME:TAG, docker-archive:FILE (docker save, podman save), oci-archive:FILE, oci:DIRECTORY:TAG; a bare NAME:TAG or REGISTRY/NAME:TAG means docker://. The image is stored as that name and tag (a file's base name for archives and layouts), or as -Name.`n`nThe image for this machine's platform is chosen from a multi-platform list; an image built for another platform is refused (NoImageForPlatform) unless -Platform names it. -Credential reaches skopeo in a 0600 file inside the import's private directory, deleted with it: never on a command line. Write-Progress shows the copy and the unpack; -Verbose shows skopeo's and umoci's own messages. Ctrl+C, or any failure, kills the tool and deletes the partial copy; two imports of one image at once store it once."
  Examples = @(
   @('Import-ContainerImage docker-archive:./busybox.tar', 'Imports an image saved with docker save or podman save; it is stored as busybox:latest.'),
   @('Import-ContainerImage oci:./busybox-oci:latest -Name tools/busybox:1.36', 'Imports the latest tag of an OCI layout directory under a name of your choice.'),
   @('Import-ContainerImage registry.example.org/team/app:2.1 -Credential (Get-Credential) -Platform linux/arm64', 'Pulls the arm64 image of a private registry with a user and password (to run it here, qemu-user-static must be installed).'))
  Inputs = 'System.String'; InputsText = 'References, by value or by property name (Reference).'
  Outputs = 'UserNsContainer.Engine.Images.ImageInfo'; OutputsText = 'The imported image.' }
 'Save-ContainerImage' = @{
  Synopsis = 'Saves a running -WriteFake container''s writes as a new image on top of its image (podman commit).'
  Description = "Takes what the container wrote (the upper layer of its -WriteFake overlay: files added and changed, deletions as whiteouts, directories made anew as opaque ones) as one OCI layer on top of the image the container runs, and stores the result in your image store as -Name: Get-ContainerImage lists it, -Image runs it, Remove-ContainerImage removes it, Export-ContainerImage sends it anywhere skopeo can. The layer is a gzip tar with its digest and diff_id, so skopeo, podman and docker take it as any other.`n`nThe container must run: its writes live in its memory and go with it. The writes are read by the helper inside the container's own user namespace, so every file it made is read whoever owns it, and owners are recorded as the container sees them; nothing is followed (a link is saved as a link). Empty files the overlay got only as mount points (/etc/hosts, /etc/resolv.conf and the like, where the image lacks them) are left out. -Environment, -Entrypoint, -Command, -WorkingDirectory, -User, -Label and -ExposedPort change the new image's configuration, as podman commit --change does; -Message is the history entry's comment. A container whose root is a directory, not an image, is refused (CommitNeedsImage): build an image from the directory with Build-ContainerImage (FROM scratch, ADD or COPY it) instead. The base image is never changed."
  Examples = @(
   @('$c = New-UserNsContainer -Image busybox -WriteFake -Command sleep, 600
$c | Enter-ContainerNamespace -Command sh, -c, ''echo configured > /etc/app.conf''
$c | Save-ContainerImage -Name busybox-configured:1 -Command cat, /etc/app.conf
$c | Remove-UserNsContainer -Force
Invoke-UserNsContainer -Image busybox-configured:1', 'Changes a file in a running container of the image busybox, saves the container as busybox-configured:1 with a new Cmd, and runs the new image, which prints configured.'),
   @('$c = New-UserNsContainer -Name tools -Image busybox -WriteFake -Command sleep, 600
$c | Enter-ContainerNamespace -Command mkdir, -p, /opt/tools/bin
Save-ContainerImage -ContainerName tools -Name tools/build -Tag 2 -Environment @{ MODE = ''release'' } -Label @{ owner = ''ci'' } -Message ''tools added''
$c | Remove-UserNsContainer -Force', 'Saves the running -WriteFake container named tools as tools/build:2, with a variable, a label and a history comment.'))
  Inputs = 'UserNsContainer.ContainerHandle'; InputsText = 'A container, by value; its Id by property name (ContainerId).'
  Outputs = 'UserNsContainer.Engine.Images.ImageInfo'; OutputsText = 'The new image.' }
 'Build-ContainerImage' = @{
  Synopsis = 'Builds an image from a Containerfile (Dockerfile), rootless, with a layer cache (podman build).'
  Description = "Reads the Containerfile (or Dockerfile) of the build context -Path and runs its instructions one after another: FROM (an image of your store, or scratch), RUN (the shell form runs /bin/sh -c, the exec form [""prog"", ""arg""] runs as written), COPY and ADD of files of the context (with --chown=USER[:GROUP] and --chmod=MODE; ADD unpacks a local .tar, .tar.gz or .tgz archive), ENV, ARG (values from -BuildArg), WORKDIR, USER, ENTRYPOINT, CMD, LABEL and EXPOSE (metadata). Anything else (VOLUME, HEALTHCHECK, ONBUILD, SHELL, STOPSIGNAL, multi-stage builds, ADD of a URL) is an error that names the instruction and its line, before any step runs. .containerignore (or .dockerignore) leaves files out of the context; a source that leaves the context (an absolute path outside it, .., a symbolic link that points out) is refused, links inside a copied directory are copied as links, and an archive entry that climbs out with .. is refused.`n`nEach RUN, COPY and ADD makes one layer and a step image, cached under a key of the step before it, the instruction and what it reads (the bytes of COPY's sources; RUN's environment, user, directory and id mode): building again runs no step, and a changed file reruns its step and those after it. -NoCache runs every step. Write-Progress shows the step; STEP lines and the output of each RUN are shown on the host (the information stream, tag PSHOST); -Quiet leaves them out.`n`nRUN runs entered into an idle -WriteFake container of the step before, with -Network Host by default (for package managers), and its writes become the layer. With a subordinate range (and for root) it runs as root with 65536 ids (-IdMap Auto), so a package manager's chown to _apt or a daemon user takes, and files keep their owners in the layer. With only your own id (-IdMap Single, or no range), -FakeRoot adds root emulation: chown, setuid and their kind answer success and do nothing, as Charliecloud's seccomp mode, so apt-get and dnf run; every file of such a layer is owned by root, and the build says so. Under -FakeRoot apt is told to keep root for its downloads (APT_CONFIG with APT::Sandbox::User ""root""), since it checks that its switch to _apt took. The images in your store are unpacked with umoci --rootless: a container of a built image sees its files owned by root (the layers keep the real owners). A failing RUN stops the build with BuildStepFailed naming the line; the steps before it stay in the cache, and nothing is left of the failing one."
  Examples = @(
   @('Set-Content Containerfile "FROM busybox`nRUN echo built > /built`nCMD [""cat"", ""/built""]"
Build-ContainerImage -Name demo:1
Invoke-UserNsContainer -Image demo:1', 'Builds demo:1 from the image busybox with one RUN step and runs it: it prints built. Building again takes every step from the cache.'),
   @('New-Item -ItemType Directory ./app | Out-Null
Set-Content ./app/Containerfile "FROM busybox`nARG VERSION=dev`nRUN echo `$VERSION > /version"
Build-ContainerImage -Path ./app -Name app:2.1 -BuildArg @{ VERSION = ''2.1'' } -FakeRoot -IdMap Single', 'Builds ./app with the ARG VERSION set to 2.1, running RUN with your own id only under root emulation (for a machine without /etc/subuid).'))
  Inputs = 'None'; InputsText = 'Nothing from the pipeline.'
  Outputs = 'UserNsContainer.Engine.Images.ImageInfo'; OutputsText = 'The built image.' }
 'Export-ContainerImage' = @{
  Synopsis = 'Sends an image of your store to a registry, a docker-archive or oci-archive file, or an OCI layout (podman push, podman save).'
  Description = "Copies the image with skopeo from your store to -Destination: a registry (docker://REGISTRY/NAME:TAG, or REGISTRY/NAME:TAG), docker-archive:FILE[:NAME:TAG], oci-archive:FILE[:TAG] or oci:DIRECTORY[:TAG]. An archive or layout without a name gets the image's own (the docker-archive's RepoTags NAME:TAG, the OCI ref's TAG), so that Import-ContainerImage stores it under the same name again. The manifest keeps its digest: an image exported to a registry and imported back has the digest it had. -Credential reaches skopeo in a 0600 file in a private directory, deleted when the copy ends, never on a command line; -TlsVerify:`$false talks to a plain-HTTP registry or one whose certificate nobody vouches for. Write-Progress shows the copy; -Verbose shows skopeo's own messages; Ctrl+C kills skopeo."
  Examples = @(
   @('Export-ContainerImage busybox oci-archive:./busybox-copy.tar', 'Writes the image busybox:latest into an OCI archive, tagged latest inside.'),
   @('Get-ContainerImage app:2.1 | Export-ContainerImage -Destination registry.example.org/team/app:2.1 -Credential (Get-Credential)', 'Pushes an image you built to a private registry with a user and password.'))
  Inputs = 'UserNsContainer.Engine.Images.ImageInfo'; InputsText = 'An image from Get-ContainerImage, Import-, Save- or Build-ContainerImage.'
  Outputs = 'None, UserNsContainer.Engine.Images.ImageInfo'; OutputsText = 'Nothing; with -PassThru, the image.' }
 'Get-ContainerImage' = @{
  Synopsis = 'Lists the images you imported: name, tag, Id, size, created, architecture.'
  Description = 'Reads your image store and returns one object per name:tag, with Name, Tag, Id (the first 12 hex digits of the manifest digest), Digest, Size (bytes of the stored blobs), Created, Architecture, Os, RootFsPath (the shared read-only root) and Config (Env, Entrypoint, Cmd, WorkingDir, User). Its Reference (name:tag) pipes into -Image.'
  Examples = @(
   @('Get-ContainerImage', 'Lists every image as a table.'),
   @('Get-ContainerImage busybox | Invoke-UserNsContainer -Command uname, -m', 'Runs a command in a container of the image busybox:latest.'))
  Inputs = 'System.String'; InputsText = 'Names by property name.'
  Outputs = 'UserNsContainer.Engine.Images.ImageInfo'; OutputsText = 'One object per image name:tag.' }
 'Remove-ContainerImage' = @{
  Synopsis = 'Removes imported images; refuses while a container of the image exists, unless -Force.'
  Description = 'Removes the name:tag and, once no other name points at the image, its files (the OCI layout and the unpacked root), renamed out of the store first so that nothing ever sees half an image. While any container of yours (running, created or exited) has the image as its root, the image is kept and ImageInUse names the containers; -Force removes those containers first. Remove-ContainerImage -BuildCache forgets the build cache of Build-ContainerImage: its keys and the unnamed images of build steps that no container of yours runs on; named images stay.'
  Examples = @(
   @('Remove-ContainerImage busybox:latest', 'Removes busybox:latest.'),
   @('Remove-ContainerImage -BuildCache -Verbose', 'Deletes the images of build steps and the cache that points at them; says how many went.'),
   @('Get-ContainerImage | Where-Object Size -gt 500MB | Remove-ContainerImage -Force', 'Removes every image over 500 MB, with the containers made from them.'))
  Inputs = 'UserNsContainer.Engine.Images.ImageInfo'; InputsText = 'Images from Get-ContainerImage or Import-ContainerImage.'
  Outputs = 'None'; OutputsText = 'Nothing.' }
}
$paramText = @{
 Command = 'The program to run, then its arguments: a list (-Command ls, -la) or bare words after the cmdlet''s own parameters (ls -la /); put -- before the command when one of its words starts like a parameter of the cmdlet (-c, -l, -p). A name without a slash is looked up on the container''s PATH inside the root, a relative path with a slash from -WorkingDirectory, as exec does, before anything is created.'
 'Invoke-UserNsContainer/InputObject' = 'What the command reads on its stdin, from the pipeline: strings as lines (UTF-8, each ended by a newline), bytes and byte[] as they are (Get-Content -AsByteStream -Raw sends a file''s bytes in one piece; an array, such as -ReadCount makes, becomes lines of text, as for a native command), other objects as Out-String shows them, `$null as nothing; streamed with back-pressure, then EOF. If the command stops reading, the rest is dropped, as for a native command. An image object (Get-ContainerImage) is the image to run instead.'
 RedirectStandardInput = 'A file whose bytes are the command''s stdin (Start-Process''s name); not with pipeline input.'
 RedirectStandardOutput = 'A file that gets the command''s stdout byte for byte; created, or emptied once the command runs (a file this call created is removed again if the container never starts).'
 RedirectStandardError = 'A file that gets the command''s stderr byte for byte, as -RedirectStandardOutput (another file than that one; use 2>&1 to merge the streams).'
 AsByteStream = 'Emit the command''s stdout as byte[] chunks (up to 128 KiB each, as they arrive) instead of lines: for binary output such as a tar stream (Set-Content -AsByteStream writes them to a file).'
 Tail = 'Only the last N lines (then, with -Follow, what comes after).'
 Follow = 'Keep reading what the container writes until it has exited; Ctrl+C ends the reading, not the container.'
 Since = 'Only lines written at or after this time.'
 Until = 'Only lines written at or before this time.'
 Timestamps = 'Put the time the monitor read each line (RFC 3339 with 100 ns, local time) in front of it.'
 RootFs = 'A directory holding the container''s root file system, or a SquashFS image file (mounted with squashfuse, as ch-run does; needs squashfuse and /dev/fuse). By default the host''s / is bound read-only.'
 Name = 'The container''s name: 1 to 63 letters, digits, ''_'', ''.'', ''-''. Unique per user; by default the container''s Id.'
 Namespace = 'The namespaces to create, from user, mnt, pid, ipc, uts, net, cgroup; user is always created. Namespaces left out are shared with the caller.'
 Hostname = 'The host name inside (needs the uts namespace). By default the container''s name.'
 Environment = 'Variables for the container''s environment, which otherwise holds only PATH, HOME and TERM.'
 WorkingDirectory = 'The absolute path inside the container to start in. Default: /.'
 Writable = 'Mount the root read-write instead of read-only.'
 WriteFake = 'Writes go to a throw-away overlay over the read-only image (Charliecloud''s --write-fake): overlayfs with userxattr and a tmpfs upper layer, gone when the container ends. Deleting an image file leaves a whiteout in the overlay, never a change in the image. Needs -RootFs; not with -Writable.'
 WriteFakeSize = 'The overlay''s size in bytes (1GB, 512MB); writing past it fails with "No space left on device" inside. Default: half of this machine''s memory.'
 HostTmp = 'Bind the host''s /tmp (read-write) instead of giving the container a private tmpfs.'
 BindHome = 'Bind your home directory (HOME) read-write at /home/USER, made without writing into the image, and set HOME and USER unless -Environment sets them.'
 PassThru = 'Emit the container''s handle.'
 Interactive = 'Connect the command to this terminal instead of the pipeline (or, with -Interactive:$false, never). By default it is connected when stdin and stdout are terminals and the output would go straight to the console (Out-Default), as PowerShell does for native commands: a shell or an editor gets the terminal, while $x = ... or a pipe keeps pipeline strings.'
 NoStart = 'Return the container in state Created, before any mount, so that its id maps and binds can still be set.'
 Container = 'Container handles, as New-UserNsContainer and Get-UserNsContainer return them, also after serialization (remoting, background jobs, Export-Clixml): such a handle is looked up again by its Id, and one whose container is gone, or belongs to another user or machine, gives ContainerNotFound.'
 Id = 'Container Ids.'
 Timeout = 'Seconds to wait.'
 'Wait-UserNsContainer/Timeout' = 'Seconds to wait; -1 (the default) waits as long as it takes. Either way Ctrl+C ends the wait, not the container.'
 Force = 'Kill a running container at once (SIGKILL) instead of SIGTERM and a grace period.'
 UidMap = 'Uid ranges container:host:count, as "0:100000:65536" strings (several separated by commas), "0 100000 65536" lines, hashtables or objects with ContainerId, HostId and Count. Checked before anything is created: no overlap on either side, at most 340 ranges, under 4096 bytes, 32-bit ids.'
 GidMap = 'Gid ranges, written as for -UidMap.'
 HostIdCount = 'Map container ids 0..n-1 (Guix''s host-uids): root from its own id upward, an ordinary user 0 to itself and the rest from its /etc/subuid range.'
 IdMap = 'Auto: 0 to you and 1..65536 to your /etc/subuid and /etc/subgid range, so a whole distribution works inside.'
 User = 'The user the main process runs as inside: a uid (it must be mapped) or a name the container''s /etc/passwd defines (the image''s own, or the synthesized one with root and nobody).'
 Group = 'The group the main process runs as inside: a gid (it must be mapped) or a name the container''s /etc/group defines. Default: the user''s primary group when -User is a name, else the -User number if mapped, else 0.'
 'New-UserNsContainerSession/Container' = 'Running containers to open a session in (one session each), as New-UserNsContainer and Get-UserNsContainer return them.'
 'New-UserNsContainerSession/ContainerId' = 'The Ids of running containers to open a session in.'
 ContainerName = 'The names of running containers to open a session in.'
 SessionName = 'The session''s name, as Get-PSSession shows it. Default: the container''s name.'
 'New-UserNsContainerSession/Command' = 'Not accepted: a session''s container runs pwsh in server mode as its command (SessionCommandNotAccepted). Make a container with a command of its own with New-UserNsContainer and open the session on it with -Container.'
 'Enter-ContainerNamespace/User' = 'The user to run as: a uid or a name the container''s /etc/passwd defines. Default: the container''s -User (root when it had none), as docker exec does.'
 'Enter-ContainerNamespace/Group' = 'The group to run as: a gid or a name the container''s /etc/group defines. Default: the user''s primary group for a name, else the container''s -Group.'
 'Enter-ContainerNamespace/Environment' = 'Variables added to, or overriding, the container''s own environment (its -Environment), which the entered process starts from, as with docker exec.'
 'Enter-ContainerNamespace/WorkingDirectory' = 'The absolute path inside the container to start in. Default: the container''s -WorkingDirectory, else /.'
 ProcessId = 'A process (of yours) to act on instead of a container.'
 HostId = 'A host id to translate to the id it appears as inside.'
 ContainerId = 'An id inside to translate to the host id behind it.'
 Kind = 'Translate through the uid map (Uid, the default) or the gid map (Gid).'
 JoinTag = 'Charliecloud''s --join: peers started with the same tag (ranks of one job, say) share one container. The first creates it with this invocation''s container parameters, the others join it, each runs its own -Command inside, and the last to leave removes it. Tags are per user.'
 JoinCount = 'How many peers share the tag''s container. Every peer waits until all have arrived. With -Join it overrides the count found in the environment.'
 Bind = 'Host paths to bind in, in order: ''SOURCE:TARGET'' or ''SOURCE:TARGET:ro'' strings, or hashtables with Source, Target, ReadOnly, Optional, NoCreate, NonRecursive, IdMap. Read-only binds hold against root inside.'
 'Mount-ContainerBind/IdMap' = 'An idmapped bind: files show their on-disk owners inside whatever the container''s map, and files made inside get those owners on disk (open_tree, MOUNT_ATTR_IDMAP with the container''s map, move_mount). Root only, on filesystems that support it; before start or live.'
 'Test-UserNsSupport/Path' = 'A directory or file whose filesystem to check for idmapped mounts, with the steps an idmapped bind takes.'
 Quiet = 'Return one boolean: true when no check failed.'
 Source = 'The host path to bind (resolved as you, relative to the current location).'
 Target = 'The absolute path inside the container.'
 ReadOnly = 'Bind read-only; the kernel locks it, so root inside cannot remount it read-write.'
 Optional = 'Skip the bind, with a verbose message, when the source does not exist.'
 NoCreate = 'Require the target to exist instead of creating it.'
 NonRecursive = 'Bind only the source mount, not the mounts below it.'
 Limit = "Resource limits of the process, as a hashtable of names to values: Processes (RLIMIT_NPROC: counted per user namespace, so it contains a fork bomb inside; host uid 0 is exempt from it), OpenFiles, AddressSpace, CpuSeconds, FileSize, CoreSize, LockedMemory. A value is a count (soft and hard), 'unlimited', or @(soft, hard); none may pass your own hard limit. Limits not given are the caller's own, as with bwrap; the open-files limit is the one of the shell that started PowerShell (the .NET runtime raises its own), or 1024 where that cannot be read."
 Seccomp = 'Default: the process runs under the default seccomp filter, which refuses with EPERM the system calls a rootless container has no use for (kexec, module loading, bpf, perf_event_open, userfaultfd, keyctl, open_by_handle_at, io_uring, clock setting, swap, quotas, ...) and the TIOCSTI and TIOCLINUX ioctls; about_UserNsContainer lists them. Unconfined: no filter.'
 Network = 'None (the default): the container''s own network namespace with only a loopback interface. Host: the host''s network, as leaving ''net'' out of -Namespace does. Private: its own network namespace joined to the outside by pasta (Debian package passt), as rootless podman does: outbound TCP, UDP and ICMP through NAT over IPv4 and IPv6, ports published with -Publish, and an /etc/resolv.conf of its own with the resolvers it can reach. pasta runs outside the container, as you, and ends with it however it ends; Test-UserNsSupport (row PrivateNetwork) says whether this host has what it needs: pasta, /dev/net/tun open to you, and a default route.'
 Publish = 'With -Network Private: host ports forwarded to ports inside, as ''[HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]'' (''8080:80'', ''127.0.0.1:8080:80/tcp'', ''[::1]:5353:53/udp''). The host address defaults to 127.0.0.1, so nothing is open to other machines unless you name an address (0.0.0.0 for all). Each host address, port and protocol once. The handle''s Ports lists them.'
 Dns = 'With -Network Private: the resolvers the container''s /etc/resolv.conf names, instead of the host''s. By default the host''s resolvers are used, except those on its loopback (such as systemd-resolved''s 127.0.0.53), which a private network cannot reach: they are left out with a warning. With -AllowHostLoopback, 127.0.0.1 here means the host''s 127.0.0.1, reached through the gateway address.'
 AllowHostLoopback = 'With -Network Private: the gateway address inside reaches services listening on the host''s 127.0.0.1 (pasta maps it), as podman''s allow_host_loopback does. Off by default: a container should not reach what the host keeps to itself.'
 Join = 'ch-run''s --join under a scheduler: the tasks of this node share one container, with the group found in the environment. Under Slurm (srun, sbatch) the tag is "$SLURM_JOB_ID.$SLURM_STEP_ID.$SLURMD_NODENAME", so two jobs, or two steps, never share a container, and the count is this node''s entry of SLURM_STEP_TASKS_PER_NODE ("4(x2),3" forms included); a batch script itself is a group of one. Under Open MPI''s mpirun the count is OMPI_COMM_WORLD_LOCAL_SIZE and the tag its job id. -JoinTag and -JoinCount override what was found; -Verbose says which variables decided. Outside a scheduler, -Join without -JoinTag, or without a count, is a JoinOutsideScheduler error.'
 JoinTimeout = 'Seconds a peer waits for all -JoinCount peers (default 30); past it the peer fails with JoinTimeout and the group is cleaned away.'

 FakeRoot = 'Root emulation without subordinate ids (Charliecloud''s seccomp mode): chown, setuid, setgid, setgroups, capset and their kind answer success and do nothing, and so does mknod of a device node, for the main process and every process entered into the container, so that package managers that change owners and drop privileges run with one id. Files keep the owner they had, processes keep root; apt also needs APT::Sandbox::User "root" (Build-ContainerImage sets it). The default filter still applies unless -Seccomp Unconfined.'
 'Save-ContainerImage/Container' = 'The running -WriteFake container to save, as New-UserNsContainer and Get-UserNsContainer return it.'
 'Save-ContainerImage/ContainerId' = 'The Id of the running container to save.'
 'Save-ContainerImage/ContainerName' = 'The name of the running container to save.'
 'Save-ContainerImage/Name' = 'The new image''s name[:tag], lowercase (tag latest when none; -Tag gives it apart).'
 Tag = 'The tag, when -Name carries none. Default: latest.'
 'Save-ContainerImage/Environment' = 'Variables added to (or replacing those of) the image''s Env.'
 Entrypoint = 'The new image''s Entrypoint (a new one drops the image''s Cmd unless -Command gives one).'
 'Save-ContainerImage/Command' = 'The new image''s Cmd: what runs, after the Entrypoint, when a container gives no -Command.'
 'Save-ContainerImage/WorkingDirectory' = 'The new image''s WorkingDir: an absolute path.'
 'Save-ContainerImage/User' = 'The new image''s User: USER[:GROUP], names or numbers.'
 Label = 'Labels added to (or replacing those of) the image''s, as a hashtable.'
 ExposedPort = 'Ports the image declares, as EXPOSE does: PORT[/tcp|/udp|/sctp] (metadata only: -Publish forwards ports).'
 Message = 'The comment of the new history entry (podman commit --message).'
 'Export-ContainerImage/Name' = 'The image to send: name[:tag] (tag latest when none) or an Id of 12 or more hex digits.'
 'Export-ContainerImage/InputObject' = 'The image to send, as Get-ContainerImage returns it.'
 Destination = 'Where to: docker://REGISTRY/NAME:TAG or REGISTRY/NAME:TAG (a registry), docker-archive:FILE[:NAME:TAG], oci-archive:FILE[:TAG] or oci:DIRECTORY[:TAG]. Relative paths are taken from the current location; the directory of a file must exist.'
 'Export-ContainerImage/Credential' = 'The registry user and password (or token). The password reaches skopeo in a 0600 file in a private directory, deleted when the copy ends; never on a command line.'
 'Export-ContainerImage/PassThru' = 'Emit the image once it has been sent.'
 'Build-ContainerImage/Path' = 'The build context: the directory COPY and ADD read from, and where the Containerfile is looked for. Default: the current location.'
 File = 'The Containerfile or Dockerfile to read. Default: Containerfile, else Dockerfile, in -Path.'
 'Build-ContainerImage/Name' = 'The image''s name[:tag], lowercase (tag latest when none).'
 BuildArg = 'Values of the Containerfile''s ARG instructions, as a hashtable. A value given for no ARG is reported with -Verbose.'
 NoCache = 'Run every step, also those the cache holds (their results replace the cached ones).'
 'Build-ContainerImage/FakeRoot' = 'RUN under root emulation: chown, setuid and their kind answer success and do nothing, so a package manager runs with one id. Every file of such a layer is owned by root.'
 'Build-ContainerImage/IdMap' = 'Auto: RUN as root with 65536 ids from your /etc/subuid and /etc/subgid range (root without a range: its own ids 0-65535). Single: your own id only (with -FakeRoot for package managers). Default: Auto where you have a range, and for root; else Single.'
 'Build-ContainerImage/Network' = 'RUN''s network: Host (the default, as podman build --network host, so package managers reach their archives), None or Private.'
 'Build-ContainerImage/Quiet' = 'Do not show the STEP lines and the output of RUN.'
 Reference = 'What to import: NAME[:TAG] or REGISTRY/NAME[:TAG] (a registry image, as docker://), docker://REGISTRY/NAME[:TAG], docker-archive:FILE[:NAME:TAG], oci-archive:FILE[:TAG] or oci:DIRECTORY[:TAG]. Relative file paths are taken from the current location.'
 TlsVerify = '$false: talk to the registry over plain HTTP, or accept a certificate nobody vouches for (a registry on 127.0.0.1, say). Default: $true.'
 Credential = 'The registry user and password (or token). The password reaches skopeo in a 0600 file in the import''s private directory, deleted when the import ends; never on a command line.'
 Platform = 'os/architecture[/variant] of the image to take from a multi-platform list, such as linux/arm64 or linux/arm/v7. Default: this machine''s (linux/amd64 here).'
 'Import-ContainerImage/Name' = 'Store the image as this name[:tag] (lowercase; tag latest when none) instead of the reference''s. Without it a file keeps the name and tag it carries (the ref.name of an OCI archive''s or layout''s single image, the single RepoTags entry of a docker-archive, docker.io/library/ left out), else it is named after the file, tag latest.'
 Image = 'An imported image (name[:tag], or its Id) to run: its root file system, shared read-only by every container of the image, with the image''s Env under -Environment, its Entrypoint and Cmd unless -Command is given, and its WorkingDir and User unless -WorkingDirectory and -User are. A short name (bb for registry.example.org/tools/bb) finds the one image it names, with any tag unless one is given; more than one is an AmbiguousImageName error. Not with -RootFs, nor with -Writable (the image stays as imported: use -WriteFake or a -Bind). An image whose User is not root needs that uid mapped (-HostIdCount 65536, -IdMap Auto) or -User 0.'
 'Get-ContainerImage/Name' = 'Images to list: a name (all its tags), name:tag, or an Id of 12 or more hex digits. Wildcards are allowed. Default: all.'
 'Remove-ContainerImage/Name' = 'Images to remove: a name (all its tags), name:tag, or an Id of 12 or more hex digits. Wildcards are allowed.'
 BuildCache = 'Forget the build cache: its keys and every image no name points at (the step images of Build-ContainerImage) unless a container of yours runs on it. Named images stay; the next build runs its steps again.'
 'Remove-ContainerImage/Force' = 'Remove the containers whose root is the image first (killing running ones at once), instead of refusing.'
 InputObject = 'Images, as Get-ContainerImage and Import-ContainerImage return them.'
 WhatIf = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
 Confirm = 'Prompts you for confirmation before running the cmdlet.'
}
$names = [string[]]$prose.Keys; [Array]::Sort($names); foreach ($name in $names) {
  $cmd = Get-Command $name
  $p = $prose[$name]
  $lines = [System.Collections.Generic.List[string]]::new()
  $lines.Add('---'); $lines.Add('external help file: UserNsContainer.dll-Help.xml'); $lines.Add('Module Name: UserNsContainer'); $lines.Add('online version:'); $lines.Add('schema: 2.0.0'); $lines.Add('---'); $lines.Add('')
  $lines.Add("# $name"); $lines.Add(''); $lines.Add('## SYNOPSIS'); $lines.Add($p.Synopsis); $lines.Add(''); $lines.Add('## SYNTAX'); $lines.Add('')
  foreach ($set in $cmd.ParameterSets) {
    $setName = if ($cmd.ParameterSets.Count -eq 1) { '__AllParameterSets' } else { $set.Name }
    if ($set.IsDefault -and $cmd.ParameterSets.Count -gt 1) { $setName += ' (Default)' }
    $lines.Add("### $setName"); $lines.Add('```')
    $parts = foreach ($sp in $set.Parameters.Where({ $common -notcontains $_.Name })) {
      $t = if ($sp.ParameterType -eq [System.Management.Automation.SwitchParameter]) { "-$($sp.Name)" } else { "-$($sp.Name) <$($sp.ParameterType.Name)>" }
      if ($sp.Position -ge 0 -and $sp.ParameterType -ne [System.Management.Automation.SwitchParameter]) { $t = if ($sp.IsMandatory) { "[-$($sp.Name)] <$($sp.ParameterType.Name)>" } else { "[[-$($sp.Name)] <$($sp.ParameterType.Name)>]" } }
      elseif (-not $sp.IsMandatory) { $t = "[$t]" }
      $t
    }
    $extra = if ($set.Parameters.Name -contains 'WhatIf') { ' [-WhatIf] [-Confirm]' } else { '' }
    $lines.Add("$name $($parts -join ' ')$extra [<CommonParameters>]"); $lines.Add('```'); $lines.Add('')
  }
  $lines.Add('## DESCRIPTION'); $lines.Add($p.Description); $lines.Add(''); $lines.Add('## EXAMPLES'); $lines.Add('')
  $i = 1
  $exs = $p.Examples; if ($exs[0] -is [string]) { $exs = @(,$exs) }
  foreach ($ex in $exs) { $lines.Add("### Example $i"); $lines.Add('```powershell'); $lines.Add($ex[0]); $lines.Add('```'); $lines.Add(''); $lines.Add($ex[1]); $lines.Add(''); $i++ }
  $lines.Add('## PARAMETERS'); $lines.Add('')
  $params = $cmd.Parameters.Values.Where({ $common -notcontains $_.Name -or $_.Name -in "WhatIf", "Confirm" })
  foreach ($prm in $params) {
    $text = if ($paramText.ContainsKey("$name/$($prm.Name)")) { $paramText["$name/$($prm.Name)"] } else { $paramText[$prm.Name] }
    $lines.Add("### -$($prm.Name)"); $lines.Add($text); $lines.Add(''); $lines.Add('```yaml')
    $lines.Add("Type: $($prm.ParameterType.FullName -replace '^System\.Management\.Automation\.','' -replace '^System\.','')")
    $sets = @($prm.ParameterSets.Keys); $lines.Add("Parameter Sets: $(if ($sets -contains '__AllParameterSets') { '(All)' } else { $sets -join ', ' })")
    $lines.Add("Aliases: $(if ($prm.Name -eq 'WhatIf') { 'wi' } elseif ($prm.Name -eq 'Confirm') { 'cf' } else { $prm.Aliases -join ', ' })"); $lines.Add('')
    $attr = @($prm.ParameterSets.Values)[0]
    $lines.Add("Required: $(if ($attr.IsMandatory) { 'True' } else { 'False' })")
    $lines.Add("Position: $(if ($attr.Position -ge 0) { $attr.Position } else { 'Named' })")
    $lines.Add('Default value: None')
    $pipe = @(); if ($attr.ValueFromPipeline) { $pipe += 'ByValue' }; if ($attr.ValueFromPipelineByPropertyName) { $pipe += 'ByPropertyName' }
    $lines.Add("Accept pipeline input: $(if ($pipe) { 'True (' + ($pipe -join ', ') + ')' } else { 'False' })")
    $lines.Add("Accept wildcard characters: $(if ($prm.Attributes.Where({ $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })) { 'True' } else { 'False' })")
    $lines.Add('```'); $lines.Add('')
  }
  $lines.Add('### CommonParameters'); $lines.Add('This cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable, -InformationAction, -InformationVariable, -OutVariable, -OutBuffer, -PipelineVariable, -ProgressAction, -Verbose, -WarningAction, and -WarningVariable. For more information, see [about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).'); $lines.Add('')
  $lines.Add('## INPUTS'); $lines.Add(''); $lines.Add("### $($p.Inputs)"); $lines.Add($p.InputsText); $lines.Add('')
  $lines.Add('## OUTPUTS'); $lines.Add(''); $lines.Add("### $($p.Outputs)"); $lines.Add($p.OutputsText); $lines.Add('')
  $lines.Add('## NOTES'); $lines.Add('Errors carry stable ErrorIds (see about_UserNsContainer) with a category, the container or path as target, and a recommended action where a fix is known.'); $lines.Add('')
  $lines.Add('## RELATED LINKS'); $lines.Add('')
  foreach ($other in ($names -ne $name)) { $lines.Add("[$other]($other.md)"); $lines.Add('') }
  $lines.Add('[about_UserNsContainer](about_UserNsContainer.md)')
  [System.IO.File]::WriteAllLines("$OutDir/$name.md", $lines)
}

/* Every syscall name the engine may name in a seccomp record, with its number where the
 * including file's ABI has it and -1 where it does not (a name missing here is an error,
 * never skipped). The includer defines S(name, nr) after including the ABI's unistd header. */
#ifdef __NR_kexec_load
S(kexec_load, __NR_kexec_load)
#else
S(kexec_load, -1)
#endif
#ifdef __NR_kexec_file_load
S(kexec_file_load, __NR_kexec_file_load)
#else
S(kexec_file_load, -1)
#endif
#ifdef __NR_init_module
S(init_module, __NR_init_module)
#else
S(init_module, -1)
#endif
#ifdef __NR_finit_module
S(finit_module, __NR_finit_module)
#else
S(finit_module, -1)
#endif
#ifdef __NR_delete_module
S(delete_module, __NR_delete_module)
#else
S(delete_module, -1)
#endif
#ifdef __NR_reboot
S(reboot, __NR_reboot)
#else
S(reboot, -1)
#endif
#ifdef __NR_bpf
S(bpf, __NR_bpf)
#else
S(bpf, -1)
#endif
#ifdef __NR_perf_event_open
S(perf_event_open, __NR_perf_event_open)
#else
S(perf_event_open, -1)
#endif
#ifdef __NR_lookup_dcookie
S(lookup_dcookie, __NR_lookup_dcookie)
#else
S(lookup_dcookie, -1)
#endif
#ifdef __NR_syslog
S(syslog, __NR_syslog)
#else
S(syslog, -1)
#endif
#ifdef __NR_keyctl
S(keyctl, __NR_keyctl)
#else
S(keyctl, -1)
#endif
#ifdef __NR_add_key
S(add_key, __NR_add_key)
#else
S(add_key, -1)
#endif
#ifdef __NR_request_key
S(request_key, __NR_request_key)
#else
S(request_key, -1)
#endif
#ifdef __NR_settimeofday
S(settimeofday, __NR_settimeofday)
#else
S(settimeofday, -1)
#endif
#ifdef __NR_clock_settime
S(clock_settime, __NR_clock_settime)
#else
S(clock_settime, -1)
#endif
#ifdef __NR_clock_settime64
S(clock_settime64, __NR_clock_settime64)
#else
S(clock_settime64, -1)
#endif
#ifdef __NR_clock_adjtime
S(clock_adjtime, __NR_clock_adjtime)
#else
S(clock_adjtime, -1)
#endif
#ifdef __NR_clock_adjtime64
S(clock_adjtime64, __NR_clock_adjtime64)
#else
S(clock_adjtime64, -1)
#endif
#ifdef __NR_adjtimex
S(adjtimex, __NR_adjtimex)
#else
S(adjtimex, -1)
#endif
#ifdef __NR_swapon
S(swapon, __NR_swapon)
#else
S(swapon, -1)
#endif
#ifdef __NR_swapoff
S(swapoff, __NR_swapoff)
#else
S(swapoff, -1)
#endif
#ifdef __NR_acct
S(acct, __NR_acct)
#else
S(acct, -1)
#endif
#ifdef __NR_quotactl
S(quotactl, __NR_quotactl)
#else
S(quotactl, -1)
#endif
#ifdef __NR_quotactl_fd
S(quotactl_fd, __NR_quotactl_fd)
#else
S(quotactl_fd, -1)
#endif
#ifdef __NR_iopl
S(iopl, __NR_iopl)
#else
S(iopl, -1)
#endif
#ifdef __NR_ioperm
S(ioperm, __NR_ioperm)
#else
S(ioperm, -1)
#endif
#ifdef __NR_open_by_handle_at
S(open_by_handle_at, __NR_open_by_handle_at)
#else
S(open_by_handle_at, -1)
#endif
#ifdef __NR_userfaultfd
S(userfaultfd, __NR_userfaultfd)
#else
S(userfaultfd, -1)
#endif
#ifdef __NR_io_uring_setup
S(io_uring_setup, __NR_io_uring_setup)
#else
S(io_uring_setup, -1)
#endif
#ifdef __NR_io_uring_enter
S(io_uring_enter, __NR_io_uring_enter)
#else
S(io_uring_enter, -1)
#endif
#ifdef __NR_io_uring_register
S(io_uring_register, __NR_io_uring_register)
#else
S(io_uring_register, -1)
#endif
#ifdef __NR_uselib
S(uselib, __NR_uselib)
#else
S(uselib, -1)
#endif
#ifdef __NR_nfsservctl
S(nfsservctl, __NR_nfsservctl)
#else
S(nfsservctl, -1)
#endif
#ifdef __NR_vm86
S(vm86, __NR_vm86)
#else
S(vm86, -1)
#endif
#ifdef __NR_vm86old
S(vm86old, __NR_vm86old)
#else
S(vm86old, -1)
#endif
#ifdef __NR__sysctl
S(_sysctl, __NR__sysctl)
#else
S(_sysctl, -1)
#endif
#ifdef __NR_create_module
S(create_module, __NR_create_module)
#else
S(create_module, -1)
#endif
#ifdef __NR_get_kernel_syms
S(get_kernel_syms, __NR_get_kernel_syms)
#else
S(get_kernel_syms, -1)
#endif
#ifdef __NR_query_module
S(query_module, __NR_query_module)
#else
S(query_module, -1)
#endif
#ifdef __NR_stime
S(stime, __NR_stime)
#else
S(stime, -1)
#endif
#ifdef __NR_ioctl
S(ioctl, __NR_ioctl)
#else
S(ioctl, -1)
#endif
#ifdef __NR_chown
S(chown, __NR_chown)
#else
S(chown, -1)
#endif
#ifdef __NR_fchown
S(fchown, __NR_fchown)
#else
S(fchown, -1)
#endif
#ifdef __NR_lchown
S(lchown, __NR_lchown)
#else
S(lchown, -1)
#endif
#ifdef __NR_fchownat
S(fchownat, __NR_fchownat)
#else
S(fchownat, -1)
#endif
#ifdef __NR_chown32
S(chown32, __NR_chown32)
#else
S(chown32, -1)
#endif
#ifdef __NR_fchown32
S(fchown32, __NR_fchown32)
#else
S(fchown32, -1)
#endif
#ifdef __NR_lchown32
S(lchown32, __NR_lchown32)
#else
S(lchown32, -1)
#endif
#ifdef __NR_setuid
S(setuid, __NR_setuid)
#else
S(setuid, -1)
#endif
#ifdef __NR_setgid
S(setgid, __NR_setgid)
#else
S(setgid, -1)
#endif
#ifdef __NR_setuid32
S(setuid32, __NR_setuid32)
#else
S(setuid32, -1)
#endif
#ifdef __NR_setgid32
S(setgid32, __NR_setgid32)
#else
S(setgid32, -1)
#endif
#ifdef __NR_setreuid
S(setreuid, __NR_setreuid)
#else
S(setreuid, -1)
#endif
#ifdef __NR_setregid
S(setregid, __NR_setregid)
#else
S(setregid, -1)
#endif
#ifdef __NR_setreuid32
S(setreuid32, __NR_setreuid32)
#else
S(setreuid32, -1)
#endif
#ifdef __NR_setregid32
S(setregid32, __NR_setregid32)
#else
S(setregid32, -1)
#endif
#ifdef __NR_setresuid
S(setresuid, __NR_setresuid)
#else
S(setresuid, -1)
#endif
#ifdef __NR_setresgid
S(setresgid, __NR_setresgid)
#else
S(setresgid, -1)
#endif
#ifdef __NR_setresuid32
S(setresuid32, __NR_setresuid32)
#else
S(setresuid32, -1)
#endif
#ifdef __NR_setresgid32
S(setresgid32, __NR_setresgid32)
#else
S(setresgid32, -1)
#endif
#ifdef __NR_setfsuid
S(setfsuid, __NR_setfsuid)
#else
S(setfsuid, -1)
#endif
#ifdef __NR_setfsgid
S(setfsgid, __NR_setfsgid)
#else
S(setfsgid, -1)
#endif
#ifdef __NR_setfsuid32
S(setfsuid32, __NR_setfsuid32)
#else
S(setfsuid32, -1)
#endif
#ifdef __NR_setfsgid32
S(setfsgid32, __NR_setfsgid32)
#else
S(setfsgid32, -1)
#endif
#ifdef __NR_setgroups
S(setgroups, __NR_setgroups)
#else
S(setgroups, -1)
#endif
#ifdef __NR_setgroups32
S(setgroups32, __NR_setgroups32)
#else
S(setgroups32, -1)
#endif
#ifdef __NR_mknod
S(mknod, __NR_mknod)
#else
S(mknod, -1)
#endif
#ifdef __NR_mknodat
S(mknodat, __NR_mknodat)
#else
S(mknodat, -1)
#endif
#ifdef __NR_capset
S(capset, __NR_capset)
#else
S(capset, -1)
#endif

use super::*;

fn good() -> HostFacts {
    HostFacts {
        euid: 0,
        pid1: Some("systemd".into()),
        os_release: Some(
            "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n".into(),
        ),
        arch: "x86_64".into(),
        free_disk: Some(20 * GIB),
        mem_total: Some(4 * GIB),
        ports: vec![(80, PortState::Free)],
        installed: false,
        tljh_yaml: None,
        tljh_install: None,
    }
}

fn errors(f: &HostFacts, args: &BootstrapArgs) -> Vec<String> {
    check(f, args)
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| p.message)
        .collect()
}

#[test]
fn a_supported_host_passes() {
    assert_eq!(check(&good(), &BootstrapArgs::default()), vec![]);
}

#[test]
fn os_release_parsing_handles_quotes_and_junk() {
    let os = parse_os_release(
        "# comment\nNAME=\"Ubuntu\"\nID=ubuntu\nVERSION_ID='24.04'\nPRETTY_NAME=\"Ubuntu 24.04.1 LTS\"\ngarbage line\n=x\n",
    );
    assert_eq!(os.id, "ubuntu");
    assert_eq!(os.version_id.as_deref(), Some("24.04"));
    assert_eq!(os.pretty_name.as_deref(), Some("Ubuntu 24.04.1 LTS"));
    assert_eq!(parse_os_release(""), OsRelease::default());
}

#[test]
fn versions_parse() {
    assert_eq!(parse_version("22.04"), Some((22, 4)));
    assert_eq!(parse_version("11"), Some((11, 0)));
    assert_eq!(parse_version("x"), None);
    assert_eq!(parse_version(""), None);
}

#[test]
fn os_rules() {
    let os = |t: &str| os_problem(&parse_os_release(t));
    assert_eq!(os("ID=ubuntu\nVERSION_ID=\"22.04\""), None);
    assert_eq!(os("ID=ubuntu\nVERSION_ID=\"24.10\""), None);
    assert_eq!(os("ID=debian\nVERSION_ID=\"11\""), None);
    assert_eq!(os("ID=debian\nVERSION_ID=\"13\""), None);
    let old = os("ID=ubuntu\nVERSION_ID=\"20.04\"\nPRETTY_NAME=\"Ubuntu 20.04.6 LTS\"").unwrap();
    assert_eq!(
        old,
        "hubcfg supports Ubuntu 22.04+ and Debian 11+; this is Ubuntu 20.04.6 LTS"
    );
    assert!(
        os("ID=debian\nVERSION_ID=\"10\"")
            .unwrap()
            .contains("this is debian 10")
    );
    assert!(
        os("ID=fedora\nVERSION_ID=40")
            .unwrap()
            .contains("fedora 40")
    );
    assert!(os("").unwrap().contains("an unknown OS"));
    // Ubuntu without VERSION_ID is odd; refuse rather than guess.
    assert!(os("ID=ubuntu").is_some());
}

#[test]
fn debian_testing_without_version_id_is_accepted() {
    assert_eq!(
        os_problem(&parse_os_release(
            "PRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\nID=debian\nVERSION_CODENAME=trixie\n"
        )),
        None
    );
}

#[test]
fn skip_os_check_turns_the_os_error_into_a_warning() {
    let mut f = good();
    f.os_release = Some("ID=arch\n".into());
    let e = errors(&f, &BootstrapArgs::default());
    assert_eq!(e.len(), 1);
    assert!(
        e[0].ends_with("(use --skip-os-check to try anyway)"),
        "{e:?}"
    );
    let args = BootstrapArgs {
        skip_os_check: true,
        ..Default::default()
    };
    let problems = check(&f, &args);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].severity, Severity::Warning);
    assert_eq!(
        problems[0].message,
        "hubcfg supports Ubuntu 22.04+ and Debian 11+; this is arch — continuing because of --skip-os-check"
    );
}

#[test]
fn root_systemd_and_arch_are_required() {
    let mut f = good();
    f.euid = 1000;
    f.pid1 = Some("bash".into());
    f.arch = "riscv64".into();
    let e = errors(&f, &BootstrapArgs::default());
    assert_eq!(e.len(), 3, "{e:?}");
    assert!(e[0].contains("must run as root"));
    assert!(e[1].contains("systemd is required") && e[1].contains("`bash`"));
    assert!(e[2].contains("riscv64"));
    for m in &e {
        assert!(!m.contains('\n'), "one line each: {m}");
    }
}

#[test]
fn disk_needs_depend_on_first_install() {
    let mut f = good();
    f.free_disk = Some(GIB);
    assert!(errors(&f, &BootstrapArgs::default())[0].contains("only 1.0 GB free"));
    f.installed = true;
    assert!(errors(&f, &BootstrapArgs::default()).is_empty());
    f.free_disk = Some(100 * MIB);
    assert!(errors(&f, &BootstrapArgs::default())[0].contains("100 MB"));
}

#[test]
fn low_memory_is_a_warning() {
    let mut f = good();
    f.mem_total = parse_meminfo_total("MemTotal:        1000000 kB\nMemFree: 1 kB\n");
    assert_eq!(f.mem_total, Some(1_024_000_000));
    let p = check(&f, &BootstrapArgs::default());
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].severity, Severity::Warning);
    assert!(
        p[0].message.contains("about 4 participants"),
        "{}",
        p[0].message
    );
    assert_eq!(parse_meminfo_total("nothing"), None);
    // 2 GB and more: no warning.
    f.mem_total = Some(2 * GIB);
    assert_eq!(check(&f, &BootstrapArgs::default()), vec![]);
}

#[test]
fn low_memory_message_counts_participants() {
    // The measured 1 GB machine holds what the e2e memory run shows.
    assert_eq!(participants_for(GIB), 5);
    // A t3.micro's MemTotal (1 GiB less the kernel's reservations).
    assert_eq!(participants_for(966_000 * 1024), 4);
    assert_eq!(participants_for(2 * GIB - 1), 12);
    assert_eq!(participants_for(512 * MIB), 1);
    assert_eq!(participants_for(300 * MIB), 0);
    assert_eq!(participants_for(0), 0);
    let m = low_memory_message(GIB);
    assert!(
        m.starts_with(
            "this machine has 1.0 GB of RAM: about 5 participants can work at the same time"
        ),
        "{m}"
    );
    assert!(m.contains("280 MB") && m.contains("145 MB"), "{m}");
    let m = low_memory_message(1536 * MIB);
    assert!(m.contains("1.5 GB of RAM: about 8 participants"), "{m}");
    assert!(low_memory_message(512 * MIB).contains("about 1 participant can"));
    let m = low_memory_message(256 * MIB);
    assert!(
        m.contains("256 MB of RAM: too little for the hub and one participant"),
        "{m}"
    );
}

#[test]
fn busy_ports_fail_unless_ours() {
    let mut f = good();
    f.ports = vec![(80, PortState::Ours)];
    assert!(errors(&f, &BootstrapArgs::default()).is_empty());
    f.ports = vec![(80, PortState::Unknown)];
    assert!(errors(&f, &BootstrapArgs::default()).is_empty());
    f.ports = vec![(8080, PortState::Busy), (443, PortState::Busy)];
    let e = errors(&f, &BootstrapArgs::default());
    assert_eq!(e.len(), 2);
    assert!(e[0].contains("port 8080") && e[1].contains("port 443"));
}

#[test]
fn a_tljh_config_that_does_not_convert_stops_the_install() {
    let mut f = good();
    let path = PathBuf::from("/opt/tljh/config/config.yaml");
    f.tljh_yaml = Some(TljhYaml {
        path: path.clone(),
        converted: Err("cannot convert it:\n  line 3: http.port: must be a whole number".into()),
    });
    let e = errors(&f, &BootstrapArgs::default());
    assert_eq!(e.len(), 1);
    assert!(
        e[0].contains("/opt/tljh/config/config.yaml") && e[0].contains("line 3: http.port"),
        "{}",
        e[0]
    );
    let converted = crate::migrate::convert(&Default::default(), "config.yaml").unwrap();
    f.tljh_yaml = Some(TljhYaml {
        path,
        converted: Ok(converted),
    });
    assert_eq!(errors(&f, &BootstrapArgs::default()), Vec::<String>::new());

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    assert_eq!(tljh_yaml(dir.path()), None);
    std::fs::write(dir.path().join("config/config.yaml"), "users: {}\n").unwrap();
    assert_eq!(
        tljh_yaml(dir.path()),
        Some(dir.path().join("config/config.yaml"))
    );
    std::fs::write(dir.path().join("config/config.toml"), "").unwrap();
    assert_eq!(tljh_yaml(dir.path()), None, "already converted");
}

#[test]
fn a_prefix_with_tljh_installed_passes_preflight_to_be_adopted() {
    let mut f = good();
    f.tljh_install = Some("/etc/systemd/system/jupyterhub.service runs TLJH's hub".into());
    assert!(errors(&f, &BootstrapArgs::default()).is_empty());
}

#[test]
fn gather_reads_this_host_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    // A port we hold ourselves is busy, and not Traefik's.
    let held = TcpListener::bind("0.0.0.0:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let f = gather(&dir.path().join("not/yet"), &|_| vec![port], &|| false);
    assert_eq!(f.arch, std::env::consts::ARCH);
    assert!(f.free_disk.is_some(), "statvfs on an ancestor must work");
    assert!(!f.installed);
    assert_eq!(f.ports, vec![(port, PortState::Busy)]);
    let f = gather(dir.path(), &|_| vec![port], &|| true);
    assert_eq!(f.ports, vec![(port, PortState::Ours)]);
}

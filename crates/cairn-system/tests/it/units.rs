//! The units plan between two systems, carrying it out through a
//! recording `Systemctl`, and `systemd-analyze verify`.

use std::collections::BTreeSet;

use cairn_system::{
    ActiveUnits, Error, PlannedUnit, Systemctl, UnitAction, UnitReason, Verb, activate, plan_units,
    systemd_analyze_verify, verify_toplevel_units,
};

use crate::common::Fixture;

fn service(exec: &str, unit_extra: &str) -> String {
    format!("[Unit]\nDescription=test\n{unit_extra}[Service]\nExecStart={exec}\n")
}

fn action(plan: &cairn_system::UnitsPlan, unit: &str) -> Option<(UnitAction, UnitReason, bool)> {
    plan.units
        .get(unit)
        .map(|p: &PlannedUnit| (p.action, p.reason, p.stop_before_activation))
}

#[test]
fn plan_follows_switch_to_configuration() {
    let fx = Fixture::new();
    let mt = Some("multi-user.target");
    let old = fx
        .system("old")
        .unit("plain.service", &service("/a", ""), mt)
        .unit(
            "norestart.service",
            &service("/a", "X-RestartIfChanged=false\n"),
            mt,
        )
        .unit(
            "reloadme.service",
            &service("/a", "X-ReloadIfChanged=true\n"),
            mt,
        )
        .unit(
            "nostop.service",
            &service("/a", "X-StopIfChanged=false\n"),
            mt,
        )
        .unit(
            "triggers.service",
            &service("/a", "X-Reload-Triggers=/nix/store/a\n"),
            mt,
        )
        .unit("described.service", &service("/a", ""), mt)
        .unit("gone.service", &service("/a", ""), mt)
        .unit(
            "keep-on-removal.service",
            &service("/a", "X-StopOnRemoval=false\n"),
            mt,
        )
        .unit("masked.service", &service("/a", ""), mt)
        .unit("inactive.service", &service("/a", ""), None)
        .unit(
            "backup.timer",
            "[Timer]\nOnCalendar=daily\n",
            Some("timers.target"),
        )
        .unit(
            "web.socket",
            "[Socket]\nListenStream=80\n",
            Some("sockets.target"),
        )
        .build();
    let described = service("/a", "").replace("Description=test", "Description=changed");
    let new = fx
        .system("new")
        .unit("plain.service", &service("/b", ""), mt)
        .unit(
            "norestart.service",
            &service("/b", "X-RestartIfChanged=false\n"),
            mt,
        )
        .unit(
            "reloadme.service",
            &service("/b", "X-ReloadIfChanged=true\n"),
            mt,
        )
        .unit(
            "nostop.service",
            &service("/b", "X-StopIfChanged=false\n"),
            mt,
        )
        .unit(
            "triggers.service",
            &service("/a", "X-Reload-Triggers=/nix/store/b\n"),
            mt,
        )
        .unit("described.service", &described, mt)
        .unit("inactive.service", &service("/b", ""), None)
        .unit(
            "backup.timer",
            "[Timer]\nOnCalendar=weekly\n",
            Some("timers.target"),
        )
        .unit(
            "web.socket",
            "[Socket]\nListenStream=8080\n",
            Some("sockets.target"),
        )
        .unit("fresh.service", &service("/a", ""), mt)
        .unit("fresh.target", "[Unit]\nDescription=f\n", mt)
        .unit("pulled.service", &service("/a", ""), Some("fresh.target"))
        .unit("unwanted.service", &service("/a", ""), None)
        .build();
    // Mask one unit in the new system.
    let etc = fx.physical(&new.path().join("etc"));
    let dir = std::fs::read_link(&etc).unwrap();
    std::os::unix::fs::symlink(
        "/dev/null",
        fx.physical(&dir).join("systemd/system/masked.service"),
    )
    .unwrap();

    let plan = plan_units(Some(&old), &new, &ActiveUnits::Assumed).unwrap();
    use UnitAction::*;
    use UnitReason as R;
    assert_eq!(
        action(&plan, "plain.service"),
        Some((Restart, R::Changed, true))
    );
    assert_eq!(
        action(&plan, "norestart.service"),
        Some((Skip, R::RestartIfChangedFalse, false))
    );
    assert_eq!(
        action(&plan, "reloadme.service"),
        Some((Reload, R::ReloadIfChanged, false))
    );
    assert_eq!(
        action(&plan, "nostop.service"),
        Some((Restart, R::Changed, false))
    );
    assert_eq!(
        action(&plan, "triggers.service"),
        Some((Reload, R::ReloadTriggers, false))
    );
    assert_eq!(action(&plan, "described.service"), None);
    assert_eq!(
        action(&plan, "gone.service"),
        Some((Stop, R::Removed, false))
    );
    assert_eq!(
        action(&plan, "keep-on-removal.service"),
        Some((Skip, R::StopOnRemovalFalse, false))
    );
    assert_eq!(
        action(&plan, "masked.service"),
        Some((Stop, R::Masked, false))
    );
    assert_eq!(
        action(&plan, "inactive.service"),
        None,
        "not running: nothing to restart"
    );
    assert_eq!(
        action(&plan, "backup.timer"),
        Some((Restart, R::Changed, false))
    );
    assert_eq!(
        action(&plan, "web.socket"),
        Some((Skip, R::NotRestarted, false))
    );
    assert_eq!(action(&plan, "fresh.service"), Some((Start, R::New, false)));
    assert_eq!(action(&plan, "fresh.target"), Some((Start, R::New, false)));
    assert_eq!(
        action(&plan, "pulled.service"),
        Some((Start, R::New, false))
    );
    assert_eq!(action(&plan, "unwanted.service"), None);

    // With live state, only what runs counts.
    let live = ActiveUnits::Live(BTreeSet::from(["multi-user.target".to_owned()]));
    let plan = plan_units(Some(&old), &new, &live).unwrap();
    assert_eq!(action(&plan, "plain.service"), None);
    assert_eq!(action(&plan, "fresh.service"), Some((Start, R::New, false)));

    // The plan serialises as data the CLI can print.
    let json =
        serde_json::to_value(plan_units(Some(&old), &new, &ActiveUnits::Assumed).unwrap()).unwrap();
    assert_eq!(
        json["units"]["plain.service"],
        serde_json::json!({"action": "restart", "reason": "changed", "stopBeforeActivation": true})
    );
    assert_eq!(
        json["units"]["gone.service"],
        serde_json::json!({"action": "stop", "reason": "removed"})
    );
}

#[test]
fn a_socket_activated_service_cycles_its_socket() {
    let fx = Fixture::new();
    let st = Some("sockets.target");
    let old = fx
        .system("old")
        .unit("sshd.socket", "[Socket]\nListenStream=22\nAccept=yes\n", st)
        .unit("sshd.service", &service("/a", ""), None)
        .unit("opt-out.socket", "[Socket]\nListenStream=23\n", st)
        .unit("opt-out.service", &service("/a", ""), None)
        .build();
    let new = fx
        .system("new")
        .unit("sshd.socket", "[Socket]\nListenStream=22\nAccept=yes\n", st)
        .unit("sshd.service", &service("/b", ""), None)
        .unit("opt-out.socket", "[Socket]\nListenStream=23\n", st)
        .unit(
            "opt-out.service",
            &service("/b", "X-NotSocketActivated=true\n"),
            None,
        )
        .build();
    let active = [
        "sockets.target",
        "sshd.socket",
        "sshd.service",
        "opt-out.socket",
        "opt-out.service",
    ];
    let live = ActiveUnits::Live(active.map(str::to_owned).into());
    let plan = plan_units(Some(&old), &new, &live).unwrap();
    use UnitAction::*;
    assert_eq!(
        action(&plan, "sshd.service"),
        Some((Stop, UnitReason::SocketActivated, false))
    );
    assert_eq!(
        action(&plan, "sshd.socket"),
        Some((Restart, UnitReason::SocketActivated, true))
    );
    assert_eq!(
        action(&plan, "opt-out.service"),
        Some((Restart, UnitReason::Changed, true))
    );
    assert_eq!(action(&plan, "opt-out.socket"), None);
}

#[test]
fn drop_ins_and_install_sections_count() {
    let fx = Fixture::new();
    let old = fx
        .system("old")
        .unit("a.service", &service("/a", ""), Some("multi-user.target"))
        .build();
    let new = fx
        .system("new")
        .unit("a.service", &service("/a", ""), Some("multi-user.target"))
        .unit(
            "b.service",
            "[Service]\nExecStart=/b\n[Install]\nWantedBy=multi-user.target\n",
            None,
        )
        .build();
    let dir = fx.physical(&std::fs::read_link(fx.physical(&new.path().join("etc"))).unwrap());
    let dropin = dir.join("systemd/system/a.service.d");
    std::fs::create_dir_all(&dropin).unwrap();
    std::fs::write(dropin.join("override.conf"), "[Service]\nEnvironment=X=1\n").unwrap();
    let plan = plan_units(Some(&old), &new, &ActiveUnits::Assumed).unwrap();
    assert_eq!(plan.units["a.service"].action, UnitAction::Restart);
    assert_eq!(plan.units["b.service"].action, UnitAction::Start);
}

/// Records every call.
#[derive(Default)]
struct Recorder {
    active: BTreeSet<String>,
    calls: Vec<String>,
}

impl Systemctl for Recorder {
    fn active_units(&mut self) -> Result<BTreeSet<String>, Error> {
        Ok(self.active.clone())
    }

    fn run(&mut self, verb: Verb, units: &[String]) -> Result<(), Error> {
        self.calls.push(
            format!("{} {}", verb.as_str(), units.join(" "))
                .trim()
                .to_owned(),
        );
        Ok(())
    }
}

#[test]
fn the_plan_is_carried_out_in_switch_to_configuration_order() {
    let fx = Fixture::new();
    let mt = Some("multi-user.target");
    let old = fx
        .system("old")
        .unit("stopfirst.service", &service("/a", ""), mt)
        .unit(
            "restart.service",
            &service("/a", "X-StopIfChanged=false\n"),
            mt,
        )
        .unit(
            "reload.service",
            &service("/a", "X-ReloadIfChanged=true\n"),
            mt,
        )
        .unit("gone.service", &service("/a", ""), mt)
        .build();
    let new = fx
        .system("new")
        .unit("stopfirst.service", &service("/b", ""), mt)
        .unit(
            "restart.service",
            &service("/b", "X-StopIfChanged=false\n"),
            mt,
        )
        .unit(
            "reload.service",
            &service("/b", "X-ReloadIfChanged=true\n"),
            mt,
        )
        .unit("new.service", &service("/b", ""), mt)
        .build();
    let mut recorder = Recorder {
        active: [
            "multi-user.target",
            "stopfirst.service",
            "restart.service",
            "reload.service",
            "gone.service",
        ]
        .map(str::to_owned)
        .into(),
        ..Recorder::default()
    };
    let report = activate(&fx.root, &new, Some(&old), Some(&mut recorder)).unwrap();
    assert!(report.units_applied);
    assert!(report.unit_failures.is_empty());
    assert_eq!(
        recorder.calls,
        [
            "stop gone.service stopfirst.service",
            "daemon-reload",
            "reload reload.service",
            "restart restart.service",
            "start new.service stopfirst.service",
        ]
    );
}

#[test]
fn systemd_analyze_accepts_a_good_unit_and_rejects_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.service");
    std::fs::write(
        &good,
        "[Unit]\nDescription=good\n[Service]\nExecStart=/bin/true\n",
    )
    .unwrap();
    let Some((ok, output)) = systemd_analyze_verify(&[good]).unwrap() else {
        // systemd-analyze is not installed: nothing to check against.
        return;
    };
    assert!(ok, "{output}");
    let bad = dir.path().join("bad.service");
    std::fs::write(
        &bad,
        "[Unit]\nDescription=bad\n[Service]\nExecStart=relative/path\n",
    )
    .unwrap();
    let (ok, output) = systemd_analyze_verify(&[bad]).unwrap().unwrap();
    assert!(!ok, "{output}");
}

#[test]
fn a_toplevels_units_are_verified_against_its_chroot_store() {
    use std::os::unix::fs::PermissionsExt;
    let fx = Fixture::new();
    let program = fx.store_file("myapp", "#!/bin/sh\n");
    std::fs::set_permissions(
        fx.physical(&program),
        std::fs::Permissions::from_mode(0o555),
    )
    .unwrap();
    let good = format!(
        "[Unit]\nDescription=app\nRequires=helper.service\nAfter=network.target\n\
         [Service]\nExecStart={}\n",
        program.display()
    );
    let helper = format!(
        "[Unit]\nDescription=helper\n[Service]\nExecStart={}\n",
        program.display()
    );
    let top = fx
        .system("good")
        .unit("app.service", &good, Some("multi-user.target"))
        .unit("helper.service", &helper, None)
        .build();
    let Some(verification) = verify_toplevel_units(&top).unwrap() else {
        return; // systemd-analyze is not installed
    };
    assert!(verification.ok, "{}", verification.output);
    assert_eq!(verification.units, ["app.service", "helper.service"]);

    let missing = "[Unit]\nDescription=b\n[Service]\nExecStart=/nix/store/missing-x/bin/x\n";
    let top = fx.system("bad").unit("bad.service", missing, None).build();
    let verification = verify_toplevel_units(&top).unwrap().unwrap();
    assert!(!verification.ok);
    assert!(
        verification
            .output
            .contains("/nix/store/missing-x/bin/x is not executable"),
        "{}",
        verification.output
    );
    // The scratch directory is gone.
    assert!(std::fs::read_dir(&fx.store_root).unwrap().all(|e| {
        !e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".cairn-verify")
    }));
}

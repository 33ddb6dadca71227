from fake_redcap.cli import main

raise SystemExit(main())

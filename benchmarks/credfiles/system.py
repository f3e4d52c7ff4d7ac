"""Corpus files of servers and bots: password hashes, PuTTY keys, SQL dumps, mail clients,
Discord bots, and code that holds no credential."""

from __future__ import annotations

from benchmarks.credfiles.model import CorpusFile, Draw, _block, _file


def password_hashes(d: Draw) -> list[CorpusFile]:
    return [
        _file(
            d,
            "htpasswd and shadow hashes",
            "web/.htpasswd",
            [
                (f"admin:{d('{{crypt:apr1}}')}",),
                (f"deploy:{d('{{crypt:bcrypt}}')}",),
                (f"legacy:{{SHA}}{d('{{b64:27}}')}=",),
            ],
        ),
        _file(
            d,
            "htpasswd and shadow hashes",
            "backup/etc/shadow",
            [
                "root:*:19000:0:99999:7:::",
                "daemon:*:19000:0:99999:7:::",
                (f"ubuntu:{d('{{crypt:6}}')}:19000:0:99999:7:::",),
                (f"ops:{d('{{crypt:6}}')}:19500:0:99999:7:::",),
                "nobody:!:19000::::::",
            ],
        ),
        _file(
            d,
            "htpasswd and shadow hashes",
            "backup/etc/proftpd/ftpd.passwd",
            [
                (f"ftpuser:{d('{{crypt:1}}')}:2001:2001::/srv/ftp:/bin/false",),
            ],
        ),
        _file(
            d,
            "htpasswd and shadow hashes",
            "backup/etc/passwd",
            [
                "root:x:0:0:root:/root:/bin/bash",
                "ubuntu:x:1000:1000::/home/ubuntu:/bin/bash",
            ],
        ),
    ]


def ppk_keys(d: Draw) -> list[CorpusFile]:
    def ppk(version: int) -> CorpusFile:
        public = [d("{{b64:64}}") for _ in range(4)]
        private = [d("{{b64:64}}") for _ in range(12)] + [d("{{b64:40}}")]
        header = [
            f"PuTTY-User-Key-File-{version}: ssh-rsa",
            "Encryption: none",
            "Comment: rsa-key-20240101",
            f"Public-Lines: {len(public)}",
            *public,
            f"Private-Lines: {len(private)}",
        ]
        mac = d("{{hex:64}}" if version == 3 else "{{hex:40}}")
        return _block(
            d,
            "PuTTY .ppk keys",
            f"keys/deploy-v{version}.ppk",
            header,
            [*private, f"Private-MAC: {mac}"],
        )

    return [
        ppk(2),
        ppk(3),
        _file(
            d,
            "PuTTY .ppk keys",
            "keys/deploy.pub",
            [
                "---- BEGIN SSH2 PUBLIC KEY ----",
                'Comment: "rsa-key-20240101"',
                *[d("{{b64:64}}") for _ in range(4)],
                "---- END SSH2 PUBLIC KEY ----",
            ],
        ),
    ]


def sql_dumps(d: Draw) -> list[CorpusFile]:
    rows: list[str | tuple[str]] = [
        (f"({i}, 'user{i}', 'user{i}@example.com', '{d.password()}'){',' if i < 5 else ';'}",)
        for i in range(1, 6)
    ]
    hashed: list[str | tuple[str]] = [
        (f"({i}, 'member{i}', '{d('{{crypt:bcrypt}}')}'){',' if i < 4 else ';'}",)
        for i in range(1, 5)
    ]
    return [
        _file(
            d,
            "SQL dumps",
            "db/dump.sql",
            [
                "-- MySQL dump 10.13",
                "CREATE TABLE `users` (",
                "  `id` int NOT NULL,",
                "  `username` varchar(255),",
                "  `email` varchar(255),",
                "  `password` varchar(255)",
                ") ENGINE=InnoDB;",
                "INSERT INTO `users` (`id`, `username`, `email`, `password`) VALUES",
                *rows,
                "INSERT INTO `members` (`id`, `login`, `passwd`) VALUES",
                *hashed,
                (f"CREATE USER 'report'@'%' IDENTIFIED BY '{d.password()}';",),
                (f"GRANT ALL ON app.* TO 'app'@'%' IDENTIFIED BY '{d.password()}';",),
            ],
        ),
        _file(
            d,
            "SQL dumps",
            "db/roles.sql",
            [
                (f"CREATE ROLE analyst WITH LOGIN PASSWORD '{d.password()}';",),
                (f"ALTER USER app PASSWORD '{d.password()}';",),
            ],
        ),
        _file(
            d,
            "SQL dumps",
            "db/seed.sql",
            [
                "INSERT INTO posts (id, title, body) VALUES (1, 'Hello', 'First post');",
                "INSERT INTO users (id, username, password) VALUES (1, 'ghost', NULL);",
                "CREATE USER 'app'@'%' IDENTIFIED BY '${APP_DB_PASSWORD}';",
            ],
        ),
    ]


def smtp_clients(d: Draw) -> list[CorpusFile]:
    return [
        _file(
            d,
            "SMTP client configs",
            "home/alice/.msmtprc",
            [
                "defaults",
                "auth on",
                "tls on",
                "account work",
                "host smtp.example.com",
                "port 587",
                "user alice@example.com",
                (f"password {d.password()}",),
                "from alice@example.com",
            ],
        ),
        _file(
            d,
            "SMTP client configs",
            "home/alice/.muttrc",
            [
                'set imap_user = "alice@example.com"',
                (f'set imap_pass = "{d.password()}"',),
                'set smtp_url = "smtps://alice@example.com@smtp.example.com:465/"',
                (f'set smtp_pass = "{d.password()}"',),
            ],
        ),
        _file(
            d,
            "SMTP client configs",
            "etc/ssmtp/ssmtp.conf",
            [
                "mailhub=smtp.example.com:587",
                "AuthUser=alerts@example.com",
                (f"AuthPass={d.password()}",),
                "UseSTARTTLS=YES",
            ],
        ),
        _file(
            d,
            "SMTP client configs",
            "etc/postfix/sasl_passwd",
            [
                (f"[smtp.sendgrid.net]:587 apikey:{d('SG.{{alnum:22}}.{{alnum:43}}')}",),
                (f"[smtp.example.com]:587 relay@example.com:{d.password()}",),
            ],
        ),
        _file(
            d,
            "SMTP client configs",
            "home/bob/.esmtprc",
            [
                'identity "bob@example.com"',
                "  hostname smtp.example.com:587",
                '  username "bob@example.com"',
                (f'  password "{d.password()}"',),
                "  starttls required",
            ],
        ),
        _file(
            d,
            "SMTP client configs",
            "home/carol/.msmtprc",
            [
                "account default",
                "host smtp.example.com",
                "user carol@example.com",
                'passwordeval "pass show mail/carol"',
            ],
        ),
    ]


def discord(d: Draw) -> list[CorpusFile]:
    return [
        _file(
            d,
            "Discord bot tokens",
            "bot/bot.py",
            [
                "import discord",
                "intents = discord.Intents.default()",
                (f'TOKEN = "{d("{{discord}}")}"',),
                "client = discord.Client(intents=intents)",
                "client.run(TOKEN)",
            ],
        ),
        _file(d, "Discord bot tokens", "bot/.env", [(f"DISCORD_TOKEN={d('{{discord}}')}",)]),
        _file(
            d,
            "Discord bot tokens",
            "jsbot/index.js",
            [
                "const { Client } = require('discord.js');",
                "const client = new Client({ intents: [] });",
                (f"client.login('{d('{{discord}}')}');",),
            ],
        ),
        _file(
            d,
            "Discord bot tokens",
            "jsbot/config.json",
            [
                "{",
                (f'  "token": "{d("{{discord}}")}",',),
                '  "prefix": "!"',
                "}",
            ],
        ),
        _file(
            d,
            "Discord bot tokens",
            "jsbot2/index.js",
            [
                "const client = new Client({ intents: [] });",
                "client.login(process.env.DISCORD_TOKEN);",
            ],
        ),
    ]


def code_and_docs(d: Draw) -> list[CorpusFile]:
    """Hard negatives only: code and docs that talk about credentials without holding any."""
    neg = "code and docs (no credentials)"
    return [
        _file(
            d,
            neg,
            "app/views.py",
            [
                "def login(request):",
                "    password = request.form['password']",
                "    token = generate_token(user)",
                '    api_key = os.environ.get("API_KEY")',
                "    secret = settings.SECRET_KEY",
                '    if password == "":',
                "        return None",
                "    password_hash = bcrypt.hashpw(password, salt)",
                "    return token",
            ],
        ),
        _file(
            d,
            neg,
            "web/src/auth.js",
            [
                "const token = await getToken();",
                "const password = form.elements.password.value;",
                "const apiKey = process.env.API_KEY;",
                'headers["Authorization"] = `Bearer ${token}`;',
                "export const PASSWORD_MIN_LENGTH = 12;",
            ],
        ),
        _file(
            d,
            neg,
            "svc/Main.java",
            [
                'String password = System.getenv("DB_PASSWORD");',
                'private static final String TOKEN_HEADER = "X-Auth-Token";',
                "char[] passwd = console.readPassword();",
            ],
        ),
        _file(
            d,
            neg,
            "site/login.php",
            [
                "<?php",
                "$password = $_POST['password'];",
                "$secret = getenv('APP_SECRET');",
                "if (password_verify($password, $row['password_hash'])) {",
                "}",
            ],
        ),
        _file(
            d,
            neg,
            "cmd/main.go",
            [
                'password := os.Getenv("DB_PASSWORD")',
                "token, err := client.Token(ctx)",
                'const apiKeyHeader = "X-Api-Key"',
            ],
        ),
        _file(
            d,
            neg,
            ".github/workflows/deploy.yml",
            [
                "jobs:",
                "  deploy:",
                "    steps:",
                "      - uses: docker/login-action@v3",
                "        with:",
                "          username: ${{ secrets.DOCKER_USER }}",
                "          password: ${{ secrets.DOCKER_PASSWORD }}",
                "        env:",
                "          API_TOKEN: ${{ secrets.API_TOKEN }}",
            ],
        ),
        _file(
            d,
            neg,
            "deploy/k8s/deployment.yaml",
            [
                "env:",
                "  - name: DB_PASSWORD",
                "    valueFrom:",
                "      secretKeyRef:",
                "        name: db",
                "        key: password",
            ],
        ),
        _file(
            d,
            neg,
            "ansible/group_vars/all.yml",
            [
                'db_password: "{{ vault_db_password }}"',
                "smtp_password: !vault |",
                "          $ANSIBLE_VAULT;1.1;AES256",
            ],
        ),
        _file(
            d,
            neg,
            "infra/rds.tf",
            [
                'resource "random_password" "db" {',
                "  length = 32",
                "}",
                "  password = random_password.db.result",
                "  master_password = var.master_password",
            ],
        ),
        _file(
            d,
            neg,
            "README.md",
            [
                "## Configuration",
                "Set `DB_PASSWORD` to the database password and `API_TOKEN` to your token.",
                "Never commit the `.env` file; copy `.env.example` instead.",
                "The password must be at least 12 characters long.",
                "export API_TOKEN=<your token>",
            ],
        ),
        _file(
            d,
            neg,
            "docker-compose.yml",
            [
                "services:",
                "  db:",
                "    image: postgres:16",
                "    environment:",
                "      POSTGRES_PASSWORD_FILE: /run/secrets/db_password",
                "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it}",
            ],
        ),
        _file(
            d,
            neg,
            "svc/appsettings.Development.json",
            [
                "{",
                '  "ConnectionStrings": {',
                '    "Default": "Server=(localdb)\\mssqllocaldb;Database=app;'
                'Trusted_Connection=True"',
                "  },",
                '  "Jwt": { "Secret": "" }',
                "}",
            ],
        ),
    ]

"""Corpus files of applications: client connection files, framework settings, .env,
Dockerfile, Helm and tfvars files, connection strings."""

from __future__ import annotations

import base64

from benchmarks.credfiles.model import CorpusFile, Draw, _file


def client_configs(d: Draw) -> list[CorpusFile]:
    b64 = base64.b64encode(d.password().encode()).decode()
    return [
        _file(
            d,
            "DB/IDE/SFTP client files",
            "site/sftp-config.json",
            [
                "{",
                '    "type": "sftp",',
                '    "upload_on_save": true,',
                '    "host": "example.com",',
                '    "user": "deploy",',
                (f'    "password": "{d.password()}",',),
                '    "port": "22",',
                '    "remote_path": "/var/www/html/"',
                "}",
            ],
        ),
        _file(
            d,
            "DB/IDE/SFTP client files",
            "site/.ftpconfig",
            [
                "{",
                '  "protocol": "sftp",',
                '  "host": "10.0.0.12",',
                '  "user": "root",',
                (f'  "pass": "{d.password()}",',),
                '  "promptForPass": false,',
                (f'  "passphrase": "{d.password()}",',),
                '  "remote": "/var/www"',
                "}",
            ],
        ),
        _file(
            d,
            "DB/IDE/SFTP client files",
            "site/.vscode/sftp.json",
            [
                "{",
                '    "name": "prod",',
                '    "host": "prod.example.com",',
                '    "username": "ci",',
                (f'    "password": "{d.password()}",',),
                '    "remotePath": "/srv/app"',
                "}",
            ],
        ),
        _file(
            d,
            "DB/IDE/SFTP client files",
            "home/alice/.config/filezilla/sitemanager.xml",
            [
                '<?xml version="1.0" encoding="UTF-8"?>',
                "<FileZilla3>",
                "  <Servers>",
                "    <Server>",
                "      <Host>ftp.example.com</Host>",
                "      <Port>21</Port>",
                "      <User>alice</User>",
                (f"      <Pass>{d.password()}</Pass>",),
                "    </Server>",
                "    <Server>",
                "      <Host>sftp.example.com</Host>",
                "      <User>deploy</User>",
                (f'      <Pass encoding="base64">{b64}</Pass>',),
                "    </Server>",
                "  </Servers>",
                "</FileZilla3>",
            ],
        ),
        _file(
            d,
            "DB/IDE/SFTP client files",
            "project/.dbeaver/data-sources.xml",
            [
                '<?xml version="1.0" encoding="UTF-8"?>',
                "<data-sources>",
                '  <data-source id="postgres-1" provider="postgresql" name="prod"'
                ' save-password="true">',
                (
                    '    <connection host="db.internal" port="5432" database="app" user="app"'
                    f' password="{d.password()}"/>',
                ),
                "  </data-source>",
                "</data-sources>",
            ],
        ),
        _file(
            d,
            "DB/IDE/SFTP client files",
            "project/.idea/webServers.xml",
            [
                '<?xml version="1.0" encoding="UTF-8"?>',
                '<project version="4">',
                '  <component name="WebServers">',
                '    <webServer id="7f1c" name="prod" url="https://example.com">',
                (
                    '      <fileTransfer host="example.com" port="21"'
                    f' password="{d("{{hex:48}}")}" username="deploy" />',
                ),
                "    </webServer>",
                "  </component>",
                "</project>",
            ],
        ),
        _file(
            d,
            "DB/IDE/SFTP client files",
            "home/bob/WinSCP.ini",
            [
                "[Sessions\\deploy@example.com]",
                "HostName=example.com",
                "UserName=deploy",
                (f"Password={d('{{upper_hex:72}}')}",),
                "PortNumber=22",
            ],
        ),
        _file(
            d,
            "DB/IDE/SFTP client files",
            "home/bob/.3T/robo-3t/robo3t.json",
            [
                "{",
                '  "connections": [',
                "    {",
                '      "serverHost": "mongo.internal",',
                '      "credentials": [',
                "        {",
                '          "userName": "admin",',
                (f'          "userPassword": "{d.password()}"',),
                "        }",
                "      ],",
                '      "sshHost": "bastion.internal",',
                (f'      "sshUserPassword": "{d.password()}"',),
                "    }",
                "  ]",
                "}",
            ],
        ),
        _file(
            d,
            "DB/IDE/SFTP client files",
            "site2/sftp-config.json",
            [
                "{",
                '    "type": "sftp",',
                '    "host": "example.com",',
                '    "user": "deploy",',
                '    "password": "",',
                '    "ssh_key_file": "~/.ssh/id_ed25519"',
                "}",
            ],
        ),
        _file(
            d,
            "DB/IDE/SFTP client files",
            "project2/.dbeaver/data-sources.xml",
            [
                "<data-sources>",
                '  <data-source id="pg" provider="postgresql" save-password="false">',
                '    <connection host="localhost" port="5432" database="app" user="app"/>',
                "  </data-source>",
                "</data-sources>",
            ],
        ),
    ]


def frameworks(d: Draw) -> list[CorpusFile]:
    salts = [
        (f"define('{name}', '{d('{{pw:64}}')}');",)
        for name in (
            "AUTH_KEY",
            "SECURE_AUTH_KEY",
            "LOGGED_IN_KEY",
            "NONCE_KEY",
            "AUTH_SALT",
            "SECURE_AUTH_SALT",
            "LOGGED_IN_SALT",
            "NONCE_SALT",
        )
    ]
    return [
        _file(
            d,
            "CMS and framework settings",
            "blog/wp-config.php",
            [
                "<?php",
                "define( 'DB_NAME', 'wordpress' );",
                "define( 'DB_USER', 'wp' );",
                (f"define( 'DB_PASSWORD', '{d.password()}' );",),
                "define( 'DB_HOST', 'localhost' );",
                *salts,
                "$table_prefix = 'wp_';",
            ],
        ),
        _file(
            d,
            "CMS and framework settings",
            "blog/wp-config-sample.php",
            [
                "<?php",
                "define( 'DB_PASSWORD', 'password_here' );",
                "define( 'AUTH_KEY',         'put your unique phrase here' );",
                "define( 'NONCE_SALT',       'put your unique phrase here' );",
            ],
        ),
        _file(d, "CMS and framework settings", "shop/config/master.key", [(d("{{hex:32}}"),)]),
        _file(
            d,
            "CMS and framework settings",
            "shop/config/secrets.yml",
            [
                "development:",
                (f"  secret_key_base: {d('{{hex:128}}')}",),
                "",
                "production:",
                '  secret_key_base: <%= ENV["SECRET_KEY_BASE"] %>',
            ],
        ),
        _file(
            d,
            "CMS and framework settings",
            "portal/portal/settings.py",
            [
                "from pathlib import Path",
                "BASE_DIR = Path(__file__).resolve().parent.parent",
                "# SECURITY WARNING: keep the secret key used in production secret!",
                (f"SECRET_KEY = 'django-insecure-{d('{{lower_alnum:50}}')}'",),
                "DEBUG = True",
                "ALLOWED_HOSTS = []",
                "INSTALLED_APPS = ['django.contrib.admin']",
            ],
        ),
        _file(
            d,
            "CMS and framework settings",
            "portal2/portal2/settings.py",
            [
                "import os",
                "SECRET_KEY = os.environ['DJANGO_SECRET_KEY']",
                "DEBUG = False",
                "INSTALLED_APPS = ['django.contrib.admin']",
            ],
        ),
        _file(
            d,
            "CMS and framework settings",
            "crm/.env",
            [
                "APP_NAME=CRM",
                "APP_ENV=production",
                (f"APP_KEY=base64:{d('{{b64:43}}')}=",),
                "APP_DEBUG=false",
            ],
        ),
        _file(
            d,
            "CMS and framework settings",
            "crm/.env.example",
            [
                "APP_NAME=CRM",
                "APP_KEY=",
                "DB_PASSWORD=",
                "MAIL_PASSWORD=null",
            ],
        ),
    ]


def env_and_infra(d: Draw) -> list[CorpusFile]:
    return [
        _file(
            d,
            ".env, Dockerfile, Helm, tfvars",
            "api/.env",
            [
                "NODE_ENV=production",
                "DB_HOST=db.internal",
                "DB_USER=api",
                (f"DB_PASSWORD={d.password()}",),
                (f"REDIS_PASSWORD={d.password()}",),
                (f"JWT_SECRET={d('{{alnum:48}}')}",),
                (f"STRIPE_SECRET_KEY={d('sk_live_{{alnum:24}}')}",),
                (f"MAIL_PASSWORD={d.password()}",),
                "LOG_LEVEL=info",
            ],
        ),
        _file(
            d,
            ".env, Dockerfile, Helm, tfvars",
            "api/.env.example",
            [
                "DB_PASSWORD=",
                "REDIS_PASSWORD=changeme",
                "JWT_SECRET=<generate with openssl rand -hex 32>",
                "STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
                "MAIL_PASSWORD=${MAIL_PASSWORD}",
            ],
        ),
        _file(
            d,
            ".env, Dockerfile, Helm, tfvars",
            "api/Dockerfile",
            [
                "FROM node:20-slim",
                "WORKDIR /app",
                (f"ENV DB_PASSWORD={d.password()}",),
                (f"ARG NPM_TOKEN={d('{{npm}}')}",),
                (f"ENV API_KEY {d('{{alnum:32}}')}",),
                "COPY . .",
                "RUN npm ci",
            ],
        ),
        _file(
            d,
            ".env, Dockerfile, Helm, tfvars",
            "worker/Dockerfile",
            [
                "FROM python:3.12-slim",
                "ARG PIP_INDEX_TOKEN",
                "RUN --mount=type=secret,id=pip_token pip install -r requirements.txt",
                "ENV DB_PASSWORD_FILE=/run/secrets/db_password",
            ],
        ),
        _file(
            d,
            ".env, Dockerfile, Helm, tfvars",
            "charts/api/values.yaml",
            [
                "replicaCount: 2",
                "postgresql:",
                "  auth:",
                "    username: api",
                (f"    password: {d.password()}",),
                (f'    postgresPassword: "{d.password()}"',),
                "redis:",
                "  auth:",
                (f"    password: {d.password()}",),
                '    existingSecret: ""',
            ],
        ),
        _file(
            d,
            ".env, Dockerfile, Helm, tfvars",
            "charts/web/values.yaml",
            [
                "postgresql:",
                "  auth:",
                "    existingSecret: web-db",
                '    password: ""',
                "    passwordKey: db-password",
            ],
        ),
        _file(
            d,
            ".env, Dockerfile, Helm, tfvars",
            "infra/prod.tfvars",
            [
                'region = "eu-west-1"',
                (f'db_password = "{d.password()}"',),
                (f'datadog_api_key = "{d("{{hex:32}}")}"',),
                'instance_type = "t3.small"',
            ],
        ),
        _file(
            d,
            ".env, Dockerfile, Helm, tfvars",
            "infra/variables.tf",
            [
                'variable "db_password" {',
                "  type      = string",
                "  sensitive = true",
                "}",
                'resource "aws_db_instance" "main" {',
                "  password = var.db_password",
                "}",
            ],
        ),
    ]


def connection_strings(d: Draw) -> list[CorpusFile]:
    return [
        _file(
            d,
            "JDBC/ODBC and connection strings",
            "svc/appsettings.json",
            [
                "{",
                '  "ConnectionStrings": {',
                (
                    '    "Default": "Server=tcp:sql.internal,1433;Database=app;User Id=app;'
                    f'Password={d.password()};Encrypt=True"',
                ),
                "  }",
                "}",
            ],
        ),
        _file(
            d,
            "JDBC/ODBC and connection strings",
            "svc/src/main/resources/application.properties",
            [
                "spring.datasource.url=jdbc:postgresql://db.internal:5432/app",
                "spring.datasource.username=app",
                (f"spring.datasource.password={d.password()}",),
                (
                    f"reports.url=jdbc:mysql://mysql.internal:3306/reports?user=rep&password={d('{{alnum:16}}')}&useSSL=true",
                ),
                (
                    f"legacy.url=jdbc:oracle:thin:scott/{d('{{alnum:12}}')}@//ora.internal:1521/ORCL",
                ),
                (
                    f"mssql.url=jdbc:sqlserver://mssql.internal:1433;databaseName=app;user=app;password={d('{{alnum:14}}')};",
                ),
            ],
        ),
        _file(
            d,
            "JDBC/ODBC and connection strings",
            "etc/odbc.ini",
            [
                "[warehouse]",
                "Driver = PostgreSQL Unicode",
                "Servername = dw.internal",
                "Port = 5432",
                "Database = dw",
                "Username = analyst",
                (f"Password = {d.password()}",),
            ],
        ),
        _file(
            d,
            "JDBC/ODBC and connection strings",
            "svc/config/database.yml",
            [
                "production:",
                (f"  url: postgres://app:{d('{{alnum:20}}')}@db.internal:5432/app",),
                (f"  cache: redis://:{d('{{alnum:24}}')}@cache.internal:6379/0",),
                (f"  queue: amqp://worker:{d('{{alnum:16}}')}@mq.internal:5672/",),
                (f"  docs: mongodb+srv://app:{d('{{alnum:18}}')}@cluster0.ab1cd.mongodb.net/app",),
            ],
        ),
        _file(
            d,
            "JDBC/ODBC and connection strings",
            "svc/config/database.example.yml",
            [
                "production:",
                "  url: postgres://app:${DB_PASSWORD}@db.internal:5432/app",
                "  replica: jdbc:postgresql://replica.internal:5432/app",
                '  mssql: "Server=db;Database=app;Integrated Security=true;"',
                "  cache: redis://cache.internal:6379/0",
            ],
        ),
    ]

import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The list's own key pair; one row. The secret key is armored and passphrase-encrypted. */
@Entity('list_key')
export class ListKeyRecord {
  @PrimaryColumn({ type: 'smallint' })
  id!: number;

  @Column()
  fingerprint!: string;

  @Column({ name: 'public_key' })
  publicKey!: string;

  @Column({ name: 'encrypted_private_key' })
  encryptedPrivateKey!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
